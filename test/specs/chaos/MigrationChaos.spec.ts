import type { DataServiceConfig } from "server/services/DataService";
import type { MigrationRun, MigrationStep } from "shared/core/DataMigrationTool";
import { canonicalJson } from "shared/core/dal/Canonical";
import { chaosSeeds, reseed } from "../harness/Chaos";
import { configureCloud, storedValue } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import type { GameData, ServiceServer } from "../service/support";
import { freshWorld, serviceServer, stopServers, waitUntil } from "../service/support";
import { offlineRecord } from "../migration/offlineRecord";

/** Scenario helpers live outside the spec callbacks, where TestEZ's expect is not in scope. */
function invariant(condition: boolean, message: string): void {
	if (!condition) error(`invariant broken: ${message}`, 2);
}

const KEYS = 2000;
const FIRST = 100000;
const RETRYABLE = [301, 302, 303, 304, 305, 306, 500, 501, 502, 503, 504, 505];

type Doc = { coins: number; level?: number; title?: string; trail?: Array<string> };
type Stored = { Data: { v: number; data: Doc }; MetaData: { ActiveSession?: unknown } };

const SCHEMA = {
	type: "object",
	properties: {
		coins: { type: "integer", minimum: 0 },
		level: { type: "integer", minimum: 1 },
		title: { type: "string" },
		trail: { type: "array", items: { type: "string" } },
	},
	required: ["coins"],
};

/** Each step appends its name to `trail`: a key's trail shows every step applied to it. */
const S1: MigrationStep = {
	name: "s1",
	from: 1,
	up: (data) => ({ ...data, level: 1, trail: [...((data as Doc).trail ?? []), "s1"] }),
	sample: { coins: 1 },
};
const S2: MigrationStep = {
	name: "s2",
	from: 2,
	up: (data) => ({ ...data, title: "rookie", trail: [...((data as Doc).trail ?? []), "s2"] }),
	sample: { coins: 1, level: 1, trail: ["s1"] },
};

function server(code: "old" | "new", players = 0): ServiceServer {
	const s = serviceServer({
		schema: SCHEMA,
		template: { coins: 0 },
		migrations: code === "old" ? [S1] : [S1, S2],
		ackTimeout: 2,
		releaseTimeout: 10,
	} as unknown as DataServiceConfig);
	// A server's DataStore budget grows with its players (60 + 10 a minute each).
	for (let p = 1; p <= players; p++) s.server.addPlayer({ userId: 900000 + math.random(1, 1e6) });
	return s;
}

function stored(userId: number): Stored {
	return storedValue("PlayerData", `Player_${userId}`) as Stored;
}

/** Writes KEYS offline version 1 profiles from a server with a large start allotment; returns their Data. */
function seedKeys(): Map<number, string> {
	configureCloud({ startAllotmentMinutes: 40 });
	const seeder = server("old");
	configureCloud({ startAllotmentMinutes: 1 });
	const originals = new Map<number, string>();
	let pending = 0;
	for (let t = 0; t < 20; t++) {
		pending += 1;
		seeder.server.spawn(() => {
			// The seeder's own service: its budget, not the spec server's.
			const store = seeder.server.game.GetService("DataStoreService").GetDataStore("PlayerData");
			for (let i = t; i < KEYS; i += 20) {
				const id = FIRST + i;
				const data = { v: 1, data: { coins: i % 97 }, applied: {}, seq: 0 };
				store.SetAsync(`Player_${id}`, offlineRecord(data));
				originals.set(id, canonicalJson(data));
			}
			pending -= 1;
		});
	}
	invariant(
		waitUntil(() => pending === 0, 1200),
		"seeding did not finish",
	);
	seeder.server.crash();
	return originals;
}

/**
 * A batch migration of 2,000 offline profiles from version 1 to 3 while its server crashes at random moments,
 * DataStore requests fail (some after they landed), and players join and play on servers running the old code
 * (knows up to version 2) and the new code (version 3). Then a rollback of the run.
 */
function scenario(seed: number): void {
	freshWorld();
	reseed(seed);
	const rng = new Random(seed);
	const originals = seedKeys();
	configureFaults({
		seed,
		dataStore: {
			errorRate: { "*": 0.03 },
			errorCodes: RETRYABLE,
			failedButAppliedRate: 0.02,
			latency: { min: 0.02, max: 0.2, tailRate: 0.02, tailMax: 1 },
		},
	});
	const oldServers = [server("old"), server("old")];
	const newServers = [server("new"), server("new")];
	// The ledger: coins each player was given (acknowledged), what old servers saw, who played.
	const given = new Map<number, number>();
	const played = new Set<number>();
	const oldRefusals = new Array<number>();
	const violations = new Array<string>();
	let playing = 0;
	const play = (at: ServiceServer, code: "old" | "new", userId: number) => {
		playing += 1;
		at.server.spawn(() => {
			const [ok, result] = at.service.LoadPlayerData(userId).await();
			if (!ok) {
				const err = result as { kind: string; message: string };
				if (code === "old" && err.message.find("newer than this server")[0] !== undefined)
					oldRefusals.push(userId);
				else violations.push(`load of ${userId} on ${code} code failed: ${err.message}`);
				playing -= 1;
				return;
			}
			played.add(userId);
			const data = result as unknown as Doc;
			if (code === "old" && data.title !== undefined)
				violations.push(`old code loaded migrated data of ${userId}`);
			for (let i = 0; i < 3; i++) {
				task.wait(rng.NextNumber(0.5, 3));
				const [updated] = at.service
					.UpdatePlayerData(userId, (d) => ({ coins: (d as unknown as Doc).coins + 1 }) as Partial<GameData>)
					.await();
				if (updated) given.set(userId, (given.get(userId) ?? 0) + 1);
			}
			at.service.ReleasePlayer(userId).await();
			playing -= 1;
		});
	};
	// Players join during the run: 40 of them, at random moments, on old and new servers.
	const joiners = new Array<number>();
	for (let j = 0; j < 40; j++) {
		const userId = FIRST + rng.NextInteger(0, KEYS - 1);
		if (joiners.includes(userId)) continue;
		joiners.push(userId);
		const code = rng.NextNumber() < 0.5 ? "old" : "new";
		const list = code === "old" ? oldServers : newServers;
		task.delay(rng.NextNumber(1, 240), () => play(list[rng.NextInteger(0, 1)], code, userId));
	}
	// The batch: a runner with 100 players' budget, crashed at random moments, replaced and resumed.
	let run: MigrationRun | undefined;
	let crashes = 0;
	while (run === undefined) {
		const runner = server("new", 100);
		let result: MigrationRun | undefined;
		let failure: string | undefined;
		runner.server.spawn(() => {
			const [ok, value] = runner.service.RunMigration({ sweeps: 30, sweepInterval: 10 }).await();
			if (ok) result = value as MigrationRun;
			else failure = (value as { message: string }).message;
		});
		const crashAt = crashes < 3 && rng.NextNumber() < 0.7 ? rng.NextNumber(5, 150) : math.huge;
		const started = os.clock();
		waitUntil(() => result !== undefined || failure !== undefined || os.clock() - started > crashAt, 1500);
		if (result !== undefined) run = result;
		else {
			invariant(failure === undefined || crashAt !== math.huge, `the batch failed: ${failure}`);
			runner.server.crash();
			crashes += 1;
			invariant(crashes <= 4, "the batch never finished");
		}
	}
	invariant(
		waitUntil(() => playing === 0, 600),
		"players did not finish",
	);
	configureFaults({});
	invariant(violations.size() === 0, violations.join("; "));
	invariant(run.deferred.size() === 0, `keys still deferred: ${run.deferred.join(", ")}`);
	invariant(run.failedCount === 0, `keys failed: ${run.failedCount}`);
	// Every key at version 3, each step applied exactly once, no coin lost or made up.
	for (const [id] of originals) {
		const record = stored(id);
		invariant(record.Data.v === 3, `Player_${id} is version ${record.Data.v}`);
		const trail = (record.Data.data.trail ?? []).join(",");
		invariant(trail === "s1,s2", `Player_${id} ran steps ${trail}`);
		const expected = ((id - FIRST) % 97) + (given.get(id) ?? 0);
		invariant(
			record.Data.data.coins === expected,
			`Player_${id} has ${record.Data.data.coins} coins, expected ${expected}`,
		);
		invariant(record.MetaData.ActiveSession === undefined, `Player_${id} is still held`);
	}
	// Rollback: every key the run migrated that no player touched returns byte for byte.
	const rollbacker = server("new", 100);
	const undone = rollbacker.service.RollbackMigration(run.id).expect();
	let restored = 0;
	for (const [id, json] of originals) {
		const key = `Player_${id}`;
		if (run.migrated[key] === undefined) {
			invariant(played.has(id) || oldRefusals.includes(id), `${key} was neither migrated by the run nor played`);
			continue;
		}
		if (played.has(id)) continue;
		invariant(
			undone.rolledBack.includes(key),
			`${key} untouched but not rolled back: ${undone.notRolledBack[key]}`,
		);
		invariant(canonicalJson(stored(id).Data) === json, `${key} not restored byte for byte`);
		restored += 1;
	}
	invariant(restored > KEYS - 60, `only ${restored} keys restored`);
	print(
		`[MigrationChaos] seed ${seed}: ${crashes} crashes, ${run.migratedCount} keys migrated by the batch, ` +
			`${played.size()} played (${oldRefusals.size()} refused by old code), ${restored} restored byte for byte, ` +
			`${KEYS - undone.rolledBack.size()} not rolled back, ${math.floor(os.clock())} s virtual`,
	);
	stopServers();
}

export = () => {
	describe("DataMigrationTool chaos", () => {
		// 2,000 keys a seed, as costly as about 50 ordinary scenarios: a chaos run of N seeds runs N/50.
		for (const seed of chaosSeeds(1, 50)) {
			it(`migrates 2,000 offline keys exactly once through crashes, errors and two code versions (seed ${seed})`, () =>
				scenario(seed));
		}
	});
};
