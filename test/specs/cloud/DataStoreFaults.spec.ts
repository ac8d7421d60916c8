import { newServer, now } from "../harness/World";
import {
	clearDataStoreFaults,
	configureFaultPlan,
	faultPlan,
	configureDataStoreFaults,
	resetCloud,
	runSeed,
	storedValue,
	withSeed,
} from "../harness/Cloud";
import { errorOf, startsWith, transformed, waitAll } from "./util";

const DataStoreService = game.GetService("DataStoreService");

function uncached(): DataStoreGetOptions {
	const options = new Instance("DataStoreGetOptions");
	options.UseCache = false;
	return options;
}

export = () => {
	beforeEach(() => resetCloud());
	// Leave no tunables, faults or data behind for the specs of other files.
	afterEach(() => resetCloud());

	describe("DataStore faults", () => {
		it("fails requests at the configured rate with the configured codes, messages starting with the code", () => {
			withSeed(() => {
				configureDataStoreFaults({
					errorRate: { "*": 0.5 },
					errorCodes: [502, 503, 504],
				});
				const store = DataStoreService.GetDataStore("Flaky");
				let failures = 0;
				const codes = new Set<string>();
				for (let i = 0; i < 200; i++) {
					const message = errorOf(() => store.GetAsync(`k${i}`, uncached()));
					if (message !== undefined) {
						failures += 1;
						codes.add(message.sub(1, 4));
					}
				}
				// 200 draws at 0.5: outside 60..140 has a probability far below one in a million.
				expect(failures > 60 && failures < 140).to.equal(true);
				expect(codes.has("502:") && codes.has("503:") && codes.has("504:")).to.equal(true);
				expect(codes.size()).to.equal(3);
			});
		});

		it("injects throttling codes 301-306 with their documented messages", () => {
			configureDataStoreFaults({
				errorRate: { SetAsync: 1 },
				errorCodes: [302],
			});
			const message = errorOf(() => DataStoreService.GetDataStore("Throttled").SetAsync("k", 1));
			expect(message).to.equal(
				"302: SetAsync request dropped. Request was throttled, but throttled request queue was full.",
			);
		});

		it("applies a method's error rate to that method only", () => {
			configureDataStoreFaults({ errorRate: { SetAsync: 1 } });
			const store = DataStoreService.GetDataStore("OnlySet");
			expect(
				startsWith(
					errorOf(() => store.SetAsync("k", 1)),
					"502:",
				),
			).to.equal(true);
			expect(errorOf(() => store.GetAsync("k", uncached()))).to.equal(undefined);
			expect(errorOf(() => store.IncrementAsync("n", 1))).to.equal(undefined);
		});

		it("never applies a write that failed before reaching the backend", () => {
			configureDataStoreFaults({ errorRate: { SetAsync: 1 } });
			errorOf(() => DataStoreService.GetDataStore("NotApplied").SetAsync("k", 1));
			expect(storedValue("NotApplied", "k")).to.equal(undefined);
		});

		it("can report failure for a write that was applied, which an uncached read reveals", () => {
			configureDataStoreFaults({ failedButAppliedRate: 1 });
			const store = DataStoreService.GetDataStore("Applied");
			const message = errorOf(() => store.SetAsync("k", "saved"));
			expect(startsWith(message, "5")).to.equal(true);
			clearDataStoreFaults();
			expect(store.GetAsync("k", uncached())[0]).to.equal("saved");
		});

		it("reports failure for an UpdateAsync that was applied", () => {
			configureDataStoreFaults({ failedButAppliedRate: 1 });
			const store = DataStoreService.GetDataStore("Applied");
			const message = errorOf(() => store.UpdateAsync<number, number>("k", (v) => transformed((v ?? 0) + 1)));
			expect(message).to.be.ok();
			expect(storedValue("Applied", "k")).to.equal(1);
		});

		it("slows requests inside a latency spike window", () => {
			const store = DataStoreService.GetDataStore("Spike");
			const t = now();
			configureDataStoreFaults({
				spikes: [{ start: t, stop: t + 100, extra: 10 }],
			});
			const started = now();
			store.SetAsync("k", 1);
			expect(now() - started >= 10).to.equal(true);
			configureDataStoreFaults({
				spikes: [{ start: t, stop: t + 1, extra: 10 }],
			});
			const later = now();
			store.SetAsync("k", 2);
			expect(now() - later < 5).to.equal(true);
		});

		it("fails every request during an outage window and recovers after it", () => {
			const t = now();
			configureDataStoreFaults({
				outages: [{ start: t, stop: t + 30, code: 503 }],
			});
			const store = DataStoreService.GetDataStore("Outage");
			for (let i = 0; i < 5; i++) {
				expect(
					startsWith(
						errorOf(() => store.SetAsync("k", i)),
						"503:",
					),
				).to.equal(true);
			}
			task.wait(t + 31 - now());
			expect(errorOf(() => store.SetAsync("k", "back"))).to.equal(undefined);
			expect(storedValue("Outage", "k")).to.equal("back");
		});

		it("keeps latency within the configured bounds and lets concurrent requests interleave", () => {
			configureDataStoreFaults({ latency: { min: 0.1, max: 0.3 } });
			const a = newServer();
			const b = newServer();
			const order: string[] = [];
			let done = 0;
			for (const [name, server] of [
				["a", a],
				["b", b],
			] as const) {
				server.spawn(() => {
					const store = server.game.GetService("DataStoreService").GetDataStore("Interleave");
					for (let i = 0; i < 5; i++) {
						const started = now();
						store.SetAsync(`${name}${i}`, i);
						const took = now() - started;
						if (took < 0.1 - 1e-6 || took > 0.3 + 0.05) order.push(`bad latency ${took}`);
						order.push(name);
					}
					done += 1;
				});
			}
			waitAll(() => done === 2);
			expect(order.filter((s) => s.sub(1, 3) === "bad").size()).to.equal(0);
			// Both servers' requests ran at once: the finishing order mixes them.
			expect(order.join("").find("ab")[0] !== undefined || order.join("").find("ba")[0] !== undefined).to.equal(
				true,
			);
			expect(order.join("")).never.to.equal("aaaaabbbbb");
		});

		it("replays the same faults for the same fault plan seed", () => {
			const previous = faultPlan();
			const store = DataStoreService.GetDataStore("Replay");
			const outcomes = () => {
				configureFaultPlan({ seed: 4242, dataStore: { errorRate: { "*": 0.5 }, errorCodes: [501, 502, 503] } });
				const out: string[] = [];
				const started = now();
				for (let i = 0; i < 20; i++) out.push(errorOf(() => store.GetAsync(`k${i}`, uncached())) ?? "ok");
				out.push(string.format("%.6f", now() - started));
				return out.join("|");
			};
			try {
				const first = outcomes();
				expect(first).to.equal(outcomes());
				expect(first.find("ok")[0] !== undefined && first.find("50")[0] !== undefined).to.equal(true);
			} finally {
				configureFaultPlan(previous);
			}
		});

		it("names the run seed when a randomized spec fails", () => {
			const message = errorOf(() => withSeed(() => error("boom", 0)));
			expect(message!.find("boom")[0] !== undefined).to.equal(true);
			expect(message!.find(`--seed ${runSeed()}`, 1, true)[0] !== undefined).to.equal(true);
		});
	});
};
