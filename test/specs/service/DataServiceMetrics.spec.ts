import type { DataServiceConfig, HealthChange, MetricsSample } from "server/services/DataService";
import { configureDataStoreFaults } from "../harness/Cloud";
import { newServer } from "../harness/World";
import { freshWorld, GameData, rejection, serviceServer, stopServers } from "./support";
import { requireModule } from "./requireModule";

/** Adds every sample's requests of every type. */
function requestsIn(samples: ReadonlyArray<MetricsSample>): number {
	let n = 0;
	for (const sample of samples) for (const [, count] of pairs(sample.requests)) n += count;
	return n;
}

/** A service built inside its own server with the raw object (HealthChanged is a property, not a method). */
function rawService(config: DataServiceConfig<GameData>) {
	const server = newServer({ runScripts: false, faultImmune: true });
	const module = requireModule(server, "DataService");
	const service = server.run(() => new module.DataService<GameData>({ warnings: false, ...config }));
	task.wait(0.5);
	const changes = new Array<HealthChange>();
	service.HealthChanged.Connect((change) => changes.push(change));
	return { server, service, changes };
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	describe("samples over time", () => {
		it("closes one sample per interval whose requests by type add up to every request the data layer sent", () => {
			// No auto-save within the 33 s (it would land after the last closed sample).
			const { server, service } = serviceServer({ metrics: { interval: 10 }, durabilityWindow: 60 });
			const budgetAtStart = server.run(() =>
				game
					.GetService("DataStoreService")
					.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.SetIncrementAsync),
			);
			server.addPlayer({ userId: 901 });
			server.addPlayer({ userId: 902 });
			service.LoadPlayerData(901).expect();
			service.LoadPlayerData(902).expect();
			service.UpdatePlayerData(901, { coins: 50 }).expect();
			service.SendGift(901, 902, { coins: 5 }).expect(); // inbox transaction: GetAsync and UpdateAsync
			task.wait(31);
			const { samples, interval } = service.GetMetrics();
			expect(interval).to.equal(10);
			// The loads took a few seconds of the 40 since the service started.
			expect(samples.size() >= 3 && samples.size() <= 4).to.equal(true);
			const sent = service.GetStatistics().dataLayer.requests;
			expect(sent > 0).to.equal(true);
			expect(requestsIn(samples)).to.equal(sent);
			expect((samples[0].requests.UpdateAsync ?? 0) > 0).to.equal(true);
			samples.forEach((sample, i) => {
				expect(sample.seconds >= 10 && sample.seconds < 11).to.equal(true);
				if (i > 0) expect(sample.time > samples[i - 1].time).to.equal(true);
				// Roblox's server limit with 2 players: 60 + 10 * 2 per minute.
				expect(sample.players).to.equal(2);
				expect(sample.budgetPerMinute.GetAsync).to.equal(80);
				expect(sample.budgetPerMinute.SetIncrementAsync).to.equal(80);
				expect(sample.budgetLow.GetAsync >= 0).to.equal(true);
			});
			// The loads and the gift spent budget: the lowest of the first interval is below the budget at start.
			expect(samples[0].budgetLow.SetIncrementAsync < budgetAtStart).to.equal(true);
		});

		it("returns only the samples in the range asked for", () => {
			const { service } = serviceServer({ metrics: { interval: 5 } });
			task.wait(26);
			const all = service.GetMetrics().samples;
			expect(all.size()).to.equal(5);
			const middle = service.GetMetrics({ from: all[1].time, to: all[3].time }).samples;
			expect(middle.size()).to.equal(3);
			expect(middle[0].time).to.equal(all[1].time);
			expect(middle[2].time).to.equal(all[3].time);
			expect(service.GetMetrics({ from: all[4].time + 1 }).samples.size()).to.equal(0);
		});

		it("keeps memory bounded: only the newest `samples` samples, however long it runs", () => {
			const { service } = serviceServer({ metrics: { interval: 1, samples: 4 } });
			service.LoadPlayerData(903).expect();
			task.wait(40);
			const { samples, capacity } = service.GetMetrics();
			expect(capacity).to.equal(4);
			expect(samples.size()).to.equal(4);
			for (let i = 1; i < 4; i++) expect(samples[i].time > samples[i - 1].time).to.equal(true);
			task.wait(3);
			const later = service.GetMetrics().samples;
			expect(later.size()).to.equal(4);
			expect(later[3].time > samples[3].time).to.equal(true);
			expect(later[0].time > samples[0].time).to.equal(true);
		});

		it("records each operation's latency in its histogram, per interval and since the start", () => {
			const { service } = serviceServer({ metrics: { interval: 60 } });
			configureDataStoreFaults({ latency: { min: 0.3, max: 0.3 } });
			service.LoadPlayerData(904).expect();
			service.LoadPlayerData(905).expect();
			service.UpdatePlayerData(904, { coins: 3 }).expect();
			rejection(service.UpdatePlayerData(904, { coins: -3 }));
			const { latency } = service.GetMetrics();
			// A load reads and writes the profile (UpdateAsync: 0.3 s at least) and claims the inbox.
			expect(latency.load.count).to.equal(2);
			expect(latency.load.failed).to.equal(0);
			expect(latency.load.sum >= 0.6).to.equal(true);
			expect(latency.load.counts[0]).to.equal(0); // nothing at or under 10 ms
			expect(latency.update.count).to.equal(2);
			expect(latency.update.failed).to.equal(1);
			let total = 0;
			for (const c of latency.load.counts) total += c;
			expect(total).to.equal(2);
			task.wait(61);
			const sample = service.GetMetrics().samples[0];
			expect(sample.latency.load.count).to.equal(2);
			expect(sample.latency.update.count).to.equal(2);
		});

		it("reports the cache hit ratio of each interval", () => {
			const { service } = serviceServer({ metrics: { interval: 10 } });
			// The cache holds views of players not held here: one read of an offline player, then four hits.
			service.ViewPlayerData(9060).expect();
			const before = service.GetStatistics().cache;
			for (let i = 0; i < 4; i++) service.ViewPlayerData(9060).expect();
			const after = service.GetStatistics().cache;
			task.wait(11);
			const [first] = service.GetMetrics().samples;
			expect(first.cacheHits).to.equal(after.hits);
			expect(first.cacheMisses).to.equal(after.misses);
			expect(after.hits - before.hits).to.equal(4);
			expect(first.cacheHitRatio).to.equal(after.hits / (after.hits + after.misses));
			task.wait(10);
			const second = service.GetMetrics().samples[1];
			expect(second.cacheHits).to.equal(0);
			expect(second.cacheHitRatio).to.equal(undefined);
		});

		it("carries the backup recovery point, the audit counters and the consistency counters", () => {
			const { service } = serviceServer({ metrics: { interval: 10 }, enableBackups: true, enableAuditing: true });
			service.LoadPlayerData(907).expect();
			service.UpdatePlayerData(907, { coins: 9 }).expect();
			service.RunConsistencyCheck(907).expect();
			task.wait(11);
			const [sample] = service.GetMetrics().samples;
			// Changed about 9 s before the sample closed, not backed up yet (automatic backups every 300 s).
			expect(sample.recoveryPoint !== undefined && sample.recoveryPoint > 5).to.equal(true);
			expect(sample.recoveryPoint! <= sample.seconds).to.equal(true);
			expect(sample.audit !== undefined && sample.audit.logged >= 1).to.equal(true);
			expect(sample.consistency.checks).to.equal(1);
			expect(sample.consistency.issues).to.equal(0);
			expect(sample.score).to.equal(100);
			expect(sample.alert).to.equal("healthy");
			const { samples } = serviceServer({ metrics: { interval: 10 } }).service.GetMetrics();
			expect(samples.size()).to.equal(0);
		});

		it("records nothing with metrics.enabled false", () => {
			const { service } = serviceServer({ metrics: { enabled: false, interval: 1 } });
			service.LoadPlayerData(908).expect();
			task.wait(5);
			const report = service.GetMetrics();
			expect(report.enabled).to.equal(false);
			expect(report.samples.size()).to.equal(0);
			expect(report.latency.load).to.equal(undefined);
		});
	});

	describe("HealthChanged", () => {
		it("fires degraded when DataStore requests pile up past maxQueueDepth, and healthy once they drain", () => {
			const { server, service, changes } = rawService({ metrics: { alerts: { maxQueueDepth: 2 } } });
			server.run(() => {
				for (let i = 0; i < 8; i++) {
					service.LoadPlayerData(911 + i * 2).expect();
					service.UpdatePlayerData(911 + i * 2, { coins: 100 }).expect();
				}
			});
			expect(changes.size()).to.equal(0);
			configureDataStoreFaults({ latency: { min: 3, max: 3 } });
			// 8 senders gift at once: each an inbox transaction of several requests, all in flight together.
			for (let i = 0; i < 8; i++)
				server.spawn(() => service.SendGift(911 + i * 2, 912 + i * 2, { coins: 1 }).await());
			task.wait(2);
			expect(changes.size()).to.equal(1);
			expect(changes[0].previous).to.equal("healthy");
			expect(changes[0].status).to.equal("degraded");
			expect(changes[0].reasons[0].find("DataStore requests are waiting")[0] !== undefined).to.equal(true);
			configureDataStoreFaults({});
			task.wait(60);
			expect(changes.size()).to.equal(2);
			expect(changes[1].previous).to.equal("degraded");
			expect(changes[1].status).to.equal("healthy");
			expect(changes[1].reasons.size()).to.equal(0);
			expect(service.GetMetrics().alertsFired).to.equal(2);
			expect(service.GetMetrics().samples[0].queueDepth > 2).to.equal(true);
		});

		it("fires critical when the health score falls below criticalBelow", () => {
			const { server, service, changes } = rawService({
				operationTimeout: 5,
				metrics: { alerts: { degradedBelow: 95, criticalBelow: 90 } },
			});
			server.run(() => service.LoadPlayerData(912).expect());
			const start = os.clock();
			configureDataStoreFaults({ outages: [{ start, stop: start + 60 }] });
			server.run(() => service.UpdatePlayerData(912, { gems: 3 }, { durable: true }).await());
			configureDataStoreFaults({});
			task.wait(2);
			const score = service.GetHealthStatus().score;
			expect(score < 90).to.equal(true);
			expect(changes.size()).to.equal(1);
			expect(changes[0].status).to.equal("critical");
			expect(changes[0].score).to.equal(score);
			expect(changes[0].reasons[0]).to.equal(`health score ${score} is below 90`);
		});

		it("fires degraded when the DataStore budget is below minBudget, naming the budget", () => {
			const { changes } = rawService({ metrics: { alerts: { minBudget: 100000 } } });
			task.wait(2);
			expect(changes.size()).to.equal(1);
			expect(changes[0].status).to.equal("degraded");
			expect(changes[0].reasons[0].find("budget is down to")[0] !== undefined).to.equal(true);
		});

		it("fires degraded when the backup recovery point passes maxRecoveryPoint", () => {
			const { server, service, changes } = rawService({
				enableBackups: true,
				metrics: { alerts: { maxRecoveryPoint: 30 } },
			});
			server.run(() => {
				service.LoadPlayerData(913).expect();
				service.UpdatePlayerData(913, { coins: 1 }).expect();
			});
			task.wait(20);
			expect(changes.size()).to.equal(0);
			task.wait(15);
			expect(changes.size()).to.equal(1);
			expect(changes[0].reasons[0].find("recovery point")[0] !== undefined).to.equal(true);
		});

		it("never fires with metrics off, and stops firing after Destroy", () => {
			const off = rawService({ metrics: { enabled: false, alerts: { minBudget: 100000 } } });
			const on = rawService({ metrics: { alerts: { minBudget: 100000 } } });
			task.wait(2);
			expect(off.changes.size()).to.equal(0);
			expect(on.changes.size()).to.equal(1);
			on.server.run(() => on.service.Destroy());
			expect(on.service.HealthChanged.listenerCount()).to.equal(0);
		});
	});

	describe("metrics config", () => {
		const refused = (metrics: unknown) => {
			const server = newServer({ runScripts: false, faultImmune: true });
			const module = requireModule(server, "DataService");
			const [ok, err] = pcall(() => new module.DataService({ warnings: false, metrics } as never));
			expect(ok).to.equal(false);
			return tostring(err);
		};

		it("refuses malformed metrics settings, naming the field and the type received", () => {
			expect(refused({ interval: "10" })).to.equal(
				'[DataService] metrics.interval must be a number of at least 1, got string "10"',
			);
			expect(refused({ alerts: { maxQueueDepth: -1 } })).to.equal(
				"[DataService] metrics.alerts.maxQueueDepth must be a number of at least 0, got number -1",
			);
			expect(refused({ alerts: { criticalBelow: 90, degradedBelow: 80 } })).to.equal(
				"[DataService] metrics.alerts.criticalBelow (90) must not exceed degradedBelow (80)",
			);
			expect(refused({ intervall: 10 })).to.equal('[DataService] unknown config field "metrics.intervall"');
			expect(refused({ alerts: { minBudjet: 1 } })).to.equal(
				'[DataService] unknown config field "metrics.alerts.minBudjet"',
			);
			expect(refused({ samples: 2.5 })).to.equal("[DataService] metrics.samples must be a whole number, got 2.5");
			expect(refused(true)).to.equal("[DataService] metrics must be a table, got boolean");
		});
	});
};
