import { evaluateAlert } from "server/services/metrics/HealthAlerts";
import { LATENCY_BOUNDS, LatencyHistogram, percentileOf } from "server/services/metrics/LatencyHistogram";
import { DEFAULT_ALERTS } from "server/services/metrics/MetricsConfig";
import { RingBuffer } from "server/services/metrics/RingBuffer";
import { Signal } from "server/services/metrics/Signal";

export = () => {
	describe("RingBuffer", () => {
		it("keeps the newest items in order once full, never more than its capacity", () => {
			const ring = new RingBuffer<number>(3);
			expect(ring.last()).to.equal(undefined);
			for (let i = 1; i <= 2; i++) ring.push(i);
			expect(ring.toArray().join(",")).to.equal("1,2");
			expect(ring.last()).to.equal(2);
			for (let i = 3; i <= 10; i++) {
				ring.push(i);
				expect(ring.size() <= 3).to.equal(true);
				expect(ring.last()).to.equal(i);
			}
			expect(ring.toArray().join(",")).to.equal("8,9,10");
			for (let i = 11; i <= 1000; i++) ring.push(i);
			expect(ring.size()).to.equal(3);
			expect(ring.toArray().join(",")).to.equal("998,999,1000");
		});

		it("refuses a capacity that is not a whole number of at least 1", () => {
			expect(() => new RingBuffer<number>(0)).to.throw("capacity must be a whole number of at least 1, got 0");
			expect(() => new RingBuffer<number>(1.5)).to.throw("got 1.5");
		});
	});

	describe("LatencyHistogram", () => {
		it("counts each latency in the first bucket whose bound holds it, the slowest in the open last bucket", () => {
			const h = new LatencyHistogram();
			h.record(0.01, true); // bucket 0: at most 10 ms
			h.record(0.011, true); // bucket 1
			h.record(0.3, true); // bucket 5: (0.25, 0.5]
			h.record(45, false); // beyond 30 s
			h.record(-1, true); // clock skew: counted as 0
			const s = h.snapshot();
			expect(s.counts.size()).to.equal(LATENCY_BOUNDS.size() + 1);
			expect(s.counts[0]).to.equal(2);
			expect(s.counts[1]).to.equal(1);
			expect(s.counts[5]).to.equal(1);
			expect(s.counts[LATENCY_BOUNDS.size()]).to.equal(1);
			expect(s.count).to.equal(5);
			expect(s.failed).to.equal(1);
			expect(s.max).to.equal(45);
			expect(math.abs(s.sum - 45.321) < 1e-9).to.equal(true);
		});

		it("answers percentiles with the upper bound of the bucket that holds them, never above the maximum", () => {
			const h = new LatencyHistogram();
			expect(h.percentile(0.5)).to.equal(0);
			for (let i = 0; i < 90; i++) h.record(0.04, true);
			for (let i = 0; i < 10; i++) h.record(3, true);
			expect(h.percentile(0.5)).to.equal(0.05);
			expect(h.percentile(0.9)).to.equal(0.05);
			expect(h.percentile(0.91)).to.equal(3); // bucket (2.5, 5], capped at the maximum seen
			const other = new LatencyHistogram();
			other.record(100, true);
			h.add(other.snapshot());
			expect(percentileOf(h.snapshot(), 1)).to.equal(100);
			expect(h.snapshot().count).to.equal(101);
		});
	});

	describe("evaluateAlert", () => {
		it("is healthy with no reason when nothing is crossed", () => {
			const result = evaluateAlert({ score: 100, queueDepth: 20, budget: 5, recoveryPoint: 900 }, DEFAULT_ALERTS);
			expect(result.status).to.equal("healthy");
			expect(result.reasons.size()).to.equal(0);
		});

		it("takes the worst status and gives one reason per threshold crossed", () => {
			const result = evaluateAlert({ score: 49, queueDepth: 21, budget: 4, recoveryPoint: 901 }, DEFAULT_ALERTS);
			expect(result.status).to.equal("critical");
			expect(result.reasons.size()).to.equal(4);
			expect(result.reasons[0]).to.equal("health score 49 is below 50");
			const degraded = evaluateAlert({ score: 79, queueDepth: 0, budget: 100 }, DEFAULT_ALERTS);
			expect(degraded.status).to.equal("degraded");
			expect(degraded.reasons[0]).to.equal("health score 79 is below 80");
		});
	});

	describe("Signal", () => {
		it("calls every listener in its own thread, so one that errors or yields stops no other", () => {
			const signal = new Signal<number>();
			const heard = new Array<number>();
			signal.Connect(() => error("listener failed"));
			signal.Connect((n) => {
				task.wait(1);
				heard.push(n * 10);
			});
			const connection = signal.Connect((n) => heard.push(n));
			signal.Fire(1);
			expect(heard.join(",")).to.equal("1");
			connection.Disconnect();
			expect(connection.Connected).to.equal(false);
			signal.Fire(2);
			task.wait(1.1);
			expect(heard.join(",")).to.equal("1,10,20");
			expect(signal.listenerCount()).to.equal(2);
		});
	});
};
