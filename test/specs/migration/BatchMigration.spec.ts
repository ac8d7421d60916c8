import { DataStoreService } from "@rbxts/services";
import type { DataServiceConfig } from "server/services/DataService";
import type { MigrationError, MigrationRun, MigrationStep } from "shared/core/DataMigrationTool";
import { canonicalJson } from "shared/core/dal/Canonical";
import { configureDataStoreFaults, skipToNextHour, storedValue, storedVersions } from "../harness/Cloud";
import { now } from "../harness/World";
import type { GameData, ServiceServer } from "../service/support";
import { freshWorld, serviceServer, stopServers, waitUntil } from "../service/support";
import { offlineRecord } from "./offlineRecord";

type Doc = { coins: number; level?: number; trail?: Array<string> };
type Record_ = { Data: { v: number; data: Doc; applied: object; seq: number }; MetaData: { ActiveSession?: unknown } };

const SCHEMA = {
	type: "object",
	properties: {
		coins: { type: "integer", minimum: 0 },
		level: { type: "integer", minimum: 1 },
		trail: { type: "array", items: { type: "string" } },
	},
	required: ["coins"],
};

/** Appends its name to `trail`: a key's trail shows every step applied to it, once each. */
const ADD_LEVEL: MigrationStep = {
	name: "add level",
	from: 1,
	up: (data) => {
		const d = data as Doc;
		if (d.coins === 13) error("unlucky coins");
		return { ...d, level: 1, trail: [...(d.trail ?? []), "add level"] };
	},
	sample: { coins: 1 },
};

function server(steps: ReadonlyArray<MigrationStep>): ServiceServer {
	return serviceServer({ schema: SCHEMA, template: { coins: 0 }, migrations: steps } as unknown as DataServiceConfig);
}

function record(userId: number): Record_ | undefined {
	return storedValue("PlayerData", `Player_${userId}`) as Record_ | undefined;
}

/** Offline version 1 profiles written as ProfileService stores them (no session), `coins` = the user id % 100. */
function seed(from: number, count: number): Map<number, string> {
	const store = DataStoreService.GetDataStore("PlayerData");
	const originals = new Map<number, string>();
	for (let id = from; id < from + count; id++) {
		const data = { v: 1, data: { coins: id % 100 }, applied: {}, seq: 0 };
		store.SetAsync(`Player_${id}`, offlineRecord(data));
		originals.set(id, canonicalJson(data));
	}
	return originals;
}

function rejected(promise: Promise<unknown>): MigrationError {
	const [ok, err] = promise.await();
	if (ok) error("expected a rejection", 2);
	return err as MigrationError;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("migrates every offline profile, defers one held by a live session until it leaves, and records the run", () => {
		seed(7000, 12);
		const old = server([]);
		old.service.LoadPlayerData(7003).expect(); // held by a version 1 server
		const fresh = server([ADD_LEVEL]);
		task.delay(20, () => old.service.ReleasePlayer(7003));
		const run = fresh.service.RunMigration({ pageSize: 5, sweepInterval: 15, sweeps: 5 }).expect();
		expect(run.state).to.equal("finished");
		expect(run.migratedCount).to.equal(12);
		expect(run.deferred.size()).to.equal(0);
		expect(run.seen).to.equal(12);
		// Whatever the old server saved when the player left must not undo the migration.
		expect(waitUntil(() => record(7003)!.MetaData.ActiveSession === undefined, 60)).to.equal(true);
		task.wait(10);
		for (let id = 7000; id < 7012; id++) {
			expect(record(id)!.Data.v).to.equal(2);
			expect(record(id)!.Data.data.trail!.join(",")).to.equal("add level");
		}
		const tool = fresh.service.GetMigrationTool();
		const runs = tool.listRuns().expect();
		expect(runs.size()).to.equal(1);
		expect(runs[0].state).to.equal("finished");
		expect(tool.getRun(run.id).expect()!.migratedCount).to.equal(12);
		const stats = tool.getStatistics();
		expect(stats.running).to.equal(false);
		expect(stats.migrated).to.equal(12);
		expect(stats.keysPerMinute > 0).to.equal(true);
		expect(stats.eta).to.equal(0);
	});

	it("reports a key whose step fails with its typed error and leaves it as it was", () => {
		const originals = seed(7113, 3); // 7113 has 13 coins: the step errors on it
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({}).expect();
		expect(run.migratedCount).to.equal(2);
		expect(run.failedCount).to.equal(1);
		expect(run.failed["Player_7113"].kind).to.equal("StepFailed");
		expect(run.failed["Player_7113"].message.find("unlucky coins")[0] !== undefined).to.equal(true);
		expect(canonicalJson(record(7113)!.Data)).to.equal(originals.get(7113));
	});

	it("a dry run writes no document and reports what would change", () => {
		const originals = seed(7200, 6);
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({ dryRun: true }).expect();
		expect(run.dryRun).to.equal(true);
		expect(run.wouldMigrate).to.equal(6);
		expect(run.wouldMigrateSample["Player_7200"].join(",")).to.equal("add level");
		expect(run.migratedCount).to.equal(0);
		for (const [id, json] of originals) expect(canonicalJson(record(id)!.Data)).to.equal(json);
	});

	it("resumes a run whose server crashed from its durable checkpoint, applying each step once", () => {
		const originals = seed(7340, 40); // coins 40..79: no unlucky 13
		const first = server([ADD_LEVEL]);
		first.server.spawn(() => first.service.RunMigration({ pageSize: 5 }));
		// Crash once some keys are migrated, mid-run.
		expect(waitUntil(() => record(7350)!.Data.v === 2, 300)).to.equal(true);
		first.server.crash();
		const migratedBefore = new Array<number>();
		for (const [id] of originals) if (record(id)!.Data.v === 2) migratedBefore.push(id);
		expect(migratedBefore.size() < 40).to.equal(true);
		const second = server([ADD_LEVEL]);
		const run = second.service.RunMigration({ pageSize: 5 }).expect();
		expect(second.service.GetMigrationTool().listRuns().expect().size()).to.equal(1);
		expect(run.migratedCount).to.equal(40);
		for (const [id] of originals) {
			expect(record(id)!.Data.v).to.equal(2);
			expect(record(id)!.Data.data.trail!.join(",")).to.equal("add level");
		}
		// Every key, including those migrated just before the crash, can be rolled back.
		const undone = second.service.RollbackMigration(run.id).expect();
		expect(undone.rolledBack.size()).to.equal(40);
		for (const [id, json] of originals) expect(canonicalJson(record(id)!.Data)).to.equal(json);
	});

	it("rolls back byte for byte where untouched, and lists keys changed or held since", () => {
		const originals = seed(7400, 8);
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({}).expect();
		expect(run.migratedCount).to.equal(8);
		// One player plays after the migration and leaves; another is online during the rollback.
		fresh.service.LoadPlayerData(7401).expect();
		fresh.service.UpdatePlayerData(7401, { coins: 50 } as Partial<GameData>).expect();
		fresh.service.ReleasePlayer(7401).expect();
		expect(
			waitUntil(
				() => record(7401)!.Data.data.coins === 50 && record(7401)!.MetaData.ActiveSession === undefined,
				30,
			),
		).to.equal(true);
		fresh.service.LoadPlayerData(7402).expect();
		const undone = fresh.service.RollbackMigration(run.id).expect();
		expect(undone.state).to.equal("rolledBack");
		expect(undone.rolledBack.size()).to.equal(6);
		expect(undone.notRolledBack["Player_7401"]).to.equal("it changed after the migration");
		expect(undone.notRolledBack["Player_7402"]).to.equal("a live session holds it");
		for (const [id, json] of originals) {
			if (id === 7401 || id === 7402) continue;
			expect(canonicalJson(record(id)!.Data)).to.equal(json);
		}
		expect(record(7401)!.Data.data.coins).to.equal(50);
		expect(fresh.service.GetMigrationTool().getRun(run.id).expect()!.state).to.equal("rolledBack");
		const missing = rejected(fresh.service.RollbackMigration("nope"));
		expect(missing.kind).to.equal("RunNotFound");
	});

	it("rolls back from its own pre-images a key whose pre-migration value no DataStore version keeps", () => {
		// Written at the start of a UTC hour and migrated within it: the migration's write overwrites the
		// hour's version, so rolling back to a pinned DataStore version could not find the value.
		skipToNextHour(1);
		const originals = seed(7800, 3);
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({}).expect();
		for (const [id, json] of originals) {
			for (const version of storedVersions("PlayerData", `Player_${id}`)) {
				const value = game.GetService("HttpService").JSONDecode(version.json) as Record_;
				expect(canonicalJson(value.Data)).never.to.equal(json);
			}
		}
		const undone = fresh.service.RollbackMigration(run.id).expect();
		expect(undone.rolledBack.size()).to.equal(3);
		for (const [id, json] of originals) expect(canonicalJson(record(id)!.Data)).to.equal(json);
	});

	it("estimates progress and ETA from the rate so far while the listing goes on", () => {
		seed(7700, 40);
		// Every request 0.15-0.25 s, no tail: a rate measured on one page cannot foresee a later page's 1.5 s
		// tail, so the spec checks the estimate itself, at a steady pace, not the luck of the draw.
		configureDataStoreFaults({ latency: { min: 0.15, max: 0.25, tailRate: 0 } });
		const fresh = server([ADD_LEVEL]);
		const tool = fresh.service.GetMigrationTool();
		let done = false;
		fresh.server.spawn(() => {
			fresh.service.RunMigration({ pageSize: 5, expectedKeys: 40 }).expect();
			done = true;
		});
		expect(waitUntil(() => tool.getStatistics().seen >= 10, 300)).to.equal(true);
		const early = tool.getStatistics();
		const at = now();
		expect(early.listed).to.equal(false);
		expect(early.etaEstimated).to.equal(true);
		expect(early.estimatedKeys).to.equal(40);
		expect(early.progress > 0 && early.progress < 0.5).to.equal(true);
		expect(early.eta !== undefined && early.eta > 0).to.equal(true);
		expect(waitUntil(() => done, 900)).to.equal(true);
		const took = now() - at;
		print(`ETA at ${early.seen} of 40 keys: estimated ${math.floor(early.eta!)} s, took ${math.floor(took)} s`);
		expect(early.eta! > took * 0.8 && early.eta! < took * 1.25).to.equal(true);
		const final = tool.getStatistics();
		expect(final.etaEstimated).to.equal(false);
		expect(final.progress).to.equal(1);
		expect(final.eta).to.equal(0);
		// Without expectedKeys, the estimate starts from the key count of the chain's last finished run.
		seed(7740, 5);
		done = false;
		fresh.server.spawn(() => {
			fresh.service.RunMigration({ pageSize: 5 }).expect();
			done = true;
		});
		expect(waitUntil(() => tool.getStatistics().running && tool.getStatistics().seen >= 1, 300)).to.equal(true);
		expect(tool.getStatistics().estimatedKeys).to.equal(40);
		expect(waitUntil(() => done, 900)).to.equal(true);
		expect(tool.getStatistics().estimatedKeys).to.equal(45);
	});

	it("retries a rollback's writes through an outage longer than the DataAccessLayer's retries", () => {
		const originals = seed(7500, 6);
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({}).expect();
		expect(run.migratedCount).to.equal(6);
		// Every write fails for 100 s (the DataAccessLayer gives a request up after 60 s); reads still work.
		const start = now();
		configureDataStoreFaults({ errorRate: { UpdateAsync: 1 } });
		task.delay(100, () => configureDataStoreFaults({}));
		const undone = fresh.service.RollbackMigration(run.id).expect();
		expect(now() - start >= 100).to.equal(true);
		expect(undone.state).to.equal("rolledBack");
		expect(undone.rolledBack.size()).to.equal(6);
		expect(next(undone.notRolledBack)[0]).to.equal(undefined);
		for (const [id, json] of originals) expect(canonicalJson(record(id)!.Data)).to.equal(json);
	});

	it("stops a rollback the DataStore keeps failing with StoreFailed and resumes it on the next call", () => {
		const originals = seed(7520, 6);
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({}).expect();
		expect(run.migratedCount).to.equal(6);
		// Writes start failing once the first key is restored, for longer than every retry waits (~9 min).
		task.spawn(() => {
			waitUntil(() => record(7520)!.Data.v === 1, 60);
			configureDataStoreFaults({ errorRate: { UpdateAsync: 1 } });
		});
		const err = rejected(fresh.service.RollbackMigration(run.id));
		expect(err.kind).to.equal("StoreFailed");
		expect(err.message.find("call rollback again to resume", 1, true)[0] !== undefined).to.equal(true);
		configureDataStoreFaults({});
		let restored = 0;
		for (const [id] of originals) if (record(id)!.Data.v === 1) restored += 1;
		expect(restored >= 1 && restored < 6).to.equal(true);
		expect(fresh.service.GetMigrationTool().getRun(run.id).expect()!.state).never.to.equal("rolledBack");
		// Resumed: every key, those restored before the outage included, is restored byte for byte once.
		const undone = fresh.service.RollbackMigration(run.id).expect();
		expect(undone.state).to.equal("rolledBack");
		expect(undone.rolledBack.size()).to.equal(6);
		expect(next(undone.notRolledBack)[0]).to.equal(undefined);
		for (const [id, json] of originals) expect(canonicalJson(record(id)!.Data)).to.equal(json);
		expect(fresh.service.GetMigrationTool().getRun(run.id).expect()!.state).to.equal("rolledBack");
	});

	it("erases a player's pre-migration images with the player; a later rollback leaves that key alone", () => {
		const originals = seed(7900, 3);
		const fresh = server([ADD_LEVEL]);
		const run = fresh.service.RunMigration({}).expect();
		const chunk = () =>
			game.GetService("HttpService").JSONEncode(storedValue("DataService.Migrations", `run/${run.id}/0`));
		expect(chunk().find("Player_7901", 1, true)[0] !== undefined).to.equal(true);
		const erased = fresh.service.ErasePlayer(7901).expect();
		expect(erased.migrationPreImages).to.equal(1);
		expect(chunk().find("Player_7901", 1, true)[0]).to.equal(undefined);
		expect(chunk().find("Player_7900", 1, true)[0] !== undefined).to.equal(true);
		const undone = fresh.service.RollbackMigration(run.id).expect();
		expect(undone.rolledBack.size()).to.equal(2);
		expect(undone.notRolledBack["Player_7901"].find("erased", 1, true)[0] !== undefined).to.equal(true);
		expect(record(7901)).to.equal(undefined);
		expect(canonicalJson(record(7900)!.Data)).to.equal(originals.get(7900));
	});

	it("refuses bad options with InvalidArgument naming the field", () => {
		const fresh = server([ADD_LEVEL]);
		const err = rejected(fresh.service.RunMigration({ pageSize: 500 }));
		expect(err.kind).to.equal("InvalidArgument");
		expect(
			err.message.find("options.pageSize must be a whole number from 1 to 100, got number 500")[0] !== undefined,
		).to.equal(true);
		expect(
			(
				rejected(fresh.service.RunMigration({ sweeps: "x" as unknown as number })) as MigrationRun &
					MigrationError
			).kind,
		).to.equal("InvalidArgument");
	});
};
