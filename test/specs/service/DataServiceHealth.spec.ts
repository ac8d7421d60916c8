import { configureDataStoreFaults } from "../harness/Cloud";
import { now } from "../harness/World";
import { freshWorld, stopServers, rejection, serviceServer } from "./support";

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("reports a healthy service with score 100 and no issues", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(801).expect();
		const health = service.GetHealthStatus();
		expect(health.status).to.equal("healthy");
		expect(health.score).to.equal(100);
		expect(health.issues.size()).to.equal(0);
		expect(health.recommendations.size()).to.equal(0);
	});

	it("reports statistics for the service, data layer, cache, validator and profiles", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(802).expect();
		service.UpdatePlayerData(802, { coins: 5 }).expect();
		rejection(service.UpdatePlayerData(802, { coins: -5 }));
		service.LoadPlayerData(802).expect();
		// The cache holds views of players not held here: the second view of an offline player is a hit.
		service.ViewPlayerData(803).expect();
		service.ViewPlayerData(803).expect();
		const stats = service.GetStatistics();
		expect(stats.service.loads).to.equal(1);
		expect(stats.service.updates).to.equal(1);
		expect(stats.service.rejectedUpdates).to.equal(1);
		expect(stats.service.loadedProfiles).to.equal(1);
		expect(stats.validator.validated).to.equal(2);
		expect(stats.cache.enabled).to.equal(true);
		expect(stats.cache.hits >= 1).to.equal(true);
		expect(stats.dataLayer.requests >= 1).to.equal(true);
		expect(stats.profiles.criticalState).to.equal(false);
		expect(stats.config.maxConcurrentOperations).to.equal(10);
		expect(stats.config.operationTimeout).to.equal(30);
		expect(stats.config.validateAllWrites).to.equal(true);
	});

	it("degrades health with an issue and a recommendation when durable saves fail in an outage", () => {
		const { service } = serviceServer({ operationTimeout: 5 });
		service.LoadPlayerData(803).expect();
		const start = now();
		configureDataStoreFaults({ outages: [{ start, stop: start + 60 }] });
		expect(rejection(service.UpdatePlayerData(803, { gems: 3 }, { durable: true })).kind).to.equal("SaveFailed");
		configureDataStoreFaults({});
		const health = service.GetHealthStatus();
		expect(health.score < 100).to.equal(true);
		expect(health.status === "degraded" || health.status === "critical").to.equal(true);
		expect(health.issues.size() >= 1).to.equal(true);
		expect(health.recommendations.size()).to.equal(health.issues.size());
		expect(service.GetStatistics().service.durableFailures).to.equal(1);
	});

	it("finds negative currencies and schema breaks written with validateAllWrites off", () => {
		const { service } = serviceServer({ validateAllWrites: false });
		service.LoadPlayerData(804).expect();
		service.UpdatePlayerData(804, { coins: -5 }).expect();
		const report = service.RunConsistencyCheck(804).expect();
		expect(report.ok).to.equal(false);
		const checks = report.issues.map((i) => `${i.category} ${i.kind} ${i.path}`);
		expect(checks.includes("business ruleBroken coins")).to.equal(true);
		expect(checks.includes("structural outOfRange coins")).to.equal(true);
		expect(service.GetStatistics().service.consistencyIssues).to.equal(report.issues.size());
	});

	it("migrates stored data to the current schema version on load", () => {
		const old = serviceServer();
		old.service.LoadPlayerData(805).expect();
		old.service.UpdatePlayerData(805, { coins: 40 }).expect();
		old.service.ReleasePlayer(805).expect();
		task.wait(10);
		const upgraded = serviceServer({
			migrations: [(data) => ({ ...(data as { coins: number }), gems: (data as { coins: number }).coins * 2 })],
		});
		const data = upgraded.service.LoadPlayerData(805).expect();
		expect(data.gems).to.equal(80);
		const report = upgraded.service.RunConsistencyCheck(805).expect();
		expect(report.schemaVersion).to.equal(2);
		expect(report.ok).to.equal(true);
	});

	it("throws a plain message for a malformed config", () => {
		expect(pcall(() => serviceServer({ operationTimeout: -1 }))[0]).to.equal(false);
		expect(pcall(() => serviceServer({ maxConcurrentOperations: "ten" as never }))[0]).to.equal(false);
	});

	it("runs at most maxConcurrentOperations operations at once", () => {
		const { service } = serviceServer({ maxConcurrentOperations: 2 });
		let finished = 0;
		for (let id = 810; id < 816; id++) {
			task.spawn(() => {
				service.LoadPlayerData(id).expect();
				finished += 1;
			});
		}
		task.wait(0.05);
		expect(finished).to.equal(0);
		const started = os.clock();
		while (finished < 6 && os.clock() - started < 60) task.wait(0.25);
		expect(finished).to.equal(6);
		expect(service.GetStatistics().service.loadedProfiles).to.equal(6);
		expect(service.GetStatistics().service.peakConcurrentOperations).to.equal(2);
	});
};
