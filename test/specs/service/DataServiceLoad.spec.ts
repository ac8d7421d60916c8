import { configureFaults } from "../harness/Faults";
import { freshWorld, stopServers, rejection, savedData, serviceServer, waitUntil } from "./support";

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("loads a new player with the template and records the schema version", () => {
		const { service } = serviceServer();
		const data = service.LoadPlayerData(101).expect();
		expect(data.coins).to.equal(0);
		expect(data.level).to.equal(1);
		const report = service.RunConsistencyCheck(101).expect();
		expect(report.ok).to.equal(true);
		expect(report.schemaVersion).to.equal(1);
		service.ReleasePlayer(101).expect();
	});

	it("applies a valid update and saves it on release", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(102).expect();
		const result = service
			.UpdatePlayerData(102, { coins: 1500, level: 10 }, { source: "quest_completion", questId: "daily_bonus" })
			.expect();
		expect(result.data.coins).to.equal(1500);
		expect(service.GetPlayerData(102)!.level).to.equal(10);
		service.ReleasePlayer(102).expect();
		task.wait(10);
		expect(savedData(102)!.coins).to.equal(1500);
		expect(savedData(102)!.level).to.equal(10);
	});

	it("resolves ReleasePlayer once the release save landed, and with false when it cannot land in time", () => {
		const { service } = serviceServer({ releaseTimeout: 8 });
		service.LoadPlayerData(107).expect();
		service.UpdatePlayerData(107, { coins: 70 }).expect();
		// Every DataStore request takes 1-2 s: the save is still in flight when a release that did not wait returns.
		configureFaults({ dataStore: { latency: { min: 1, max: 2 } } });
		const started = os.clock();
		expect(service.ReleasePlayer(107).expect()).to.equal(true);
		expect(os.clock() - started >= 1).to.equal(true);
		expect(savedData(107)!.coins).to.equal(70);
		// Not held here: nothing to save.
		expect(service.ReleasePlayer(107).expect()).to.equal(true);

		configureFaults({});
		service.LoadPlayerData(108).expect();
		service.UpdatePlayerData(108, { coins: 80 }).expect();
		configureFaults({ dataStore: { errorRate: { UpdateAsync: 1 }, errorCodes: [502] } });
		const outage = os.clock();
		expect(service.ReleasePlayer(108).expect()).to.equal(false);
		expect(math.abs(os.clock() - outage - 8) < 0.5).to.equal(true);
		// The save keeps being retried: it lands once the DataStore answers again.
		// Its retries back off during the outage (the DataAccessLayer doubles its wait, up to 16 s): the next one
		// may come several seconds after the store is back.
		configureFaults({});
		expect(waitUntil(() => savedData(108)?.coins === 80, 30)).to.equal(true);
	});

	it("rejects a change that breaks the schema with ValidationFailed and changes nothing", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(103).expect();
		service.UpdatePlayerData(103, { coins: 50 }).expect();
		const err = rejection(service.UpdatePlayerData(103, { coins: -5, level: 2 }));
		expect(err.kind).to.equal("ValidationFailed");
		expect(err.errors!.size() >= 1).to.equal(true);
		expect(err.errors![0].path).to.equal("coins");
		expect(service.GetPlayerData(103)!.coins).to.equal(50);
		expect(service.GetPlayerData(103)!.level).to.equal(1);
		service.ReleasePlayer(103).expect();
	});

	it("rejects unknown fields, wrong types and non-storable values", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(104).expect();
		const cases: Array<object> = [
			{ hacked: true },
			{ level: "ten" },
			{ coins: 0 / 0 },
			{ coins: math.huge },
			{ inventory: { sword: -1 } },
			{ level: 1001 },
		];
		for (const changes of cases) {
			const err = rejection(service.UpdatePlayerData(104, changes as never));
			expect(err.kind).to.equal("ValidationFailed");
		}
		const after = service.GetPlayerData(104)!;
		expect(after.coins).to.equal(0);
		expect(after.level).to.equal(1);
		expect(service.GetStatistics().service.rejectedUpdates).to.equal(cases.size());
		service.ReleasePlayer(104).expect();
	});

	it("rejects bad arguments with InvalidArgument and updates of unloaded players with NotLoaded", () => {
		const { service } = serviceServer();
		expect(rejection(service.LoadPlayerData(1.5)).kind).to.equal("InvalidArgument");
		expect(rejection(service.LoadPlayerData("x" as never)).kind).to.equal("InvalidArgument");
		expect(rejection(service.UpdatePlayerData(105, "coins" as never)).kind).to.equal("InvalidArgument");
		expect(rejection(service.UpdatePlayerData(105, { coins: 1 })).kind).to.equal("NotLoaded");
		expect(rejection(service.RunConsistencyCheck(105)).kind).to.equal("NotLoaded");
	});

	it("keeps values returned to callers apart from the profile", () => {
		const { service } = serviceServer();
		const data = service.LoadPlayerData(106).expect();
		data.coins = 999;
		data.inventory.sword = 3;
		expect(service.GetPlayerData(106)!.coins).to.equal(0);
		expect(service.GetPlayerData(106)!.inventory.sword).to.equal(undefined);
		service.ReleasePlayer(106).expect();
	});

	it("refuses a template that breaks its schema at construction", () => {
		// No schema with a custom template would turn validation off: refused unless the game says so.
		const [ok, message] = pcall(() =>
			serviceServer({ template: { coins: -1, gems: 0, level: 1, inventory: {} }, schema: undefined }),
		);
		expect(ok).to.equal(false);
		expect(tostring(message).find("template without a schema")[0] !== undefined).to.equal(true);
		const [optedOut] = pcall(() =>
			serviceServer({
				template: { coins: -1, gems: 0, level: 1, inventory: {} },
				schema: undefined,
				validateAllWrites: false,
			}),
		);
		expect(optedOut).to.equal(true);
		const [bad] = pcall(() =>
			serviceServer({
				template: { coins: -1, gems: 0, level: 1, inventory: {} },
				schema: { type: "object", properties: { coins: { type: "integer", minimum: 0 } } },
			}),
		);
		expect(bad).to.equal(false);
	});
};
