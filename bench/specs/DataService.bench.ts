import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { recordGoal } from "./harness/Goals";
import { dataServiceOn, Library, profileServiceOn, profileStoreOn } from "./harness/Libraries";
import { RequestCounts, startRequestLog } from "./harness/RequestLog";

const PLAYERS = 8;
const MINUTES = 10;
const PLAYER_HOURS = (PLAYERS * MINUTES) / 60;

/**
 * Per-player parts of the documented quotas, per player-hour (create.roblox.com/docs: data-stores
 * error-codes-and-limits, memory-stores, MessagingService): a server's DataStore Get and Set budgets grow
 * 10 a minute per player; MemoryStore request units 120 a minute per concurrent user; MessagingService sends
 * 240 a minute per player in the server.
 */
const QUOTA_PER_PLAYER_HOUR = { DataStoreGet: 600, DataStoreSet: 600, MemoryStoreUnits: 7200, MessagingSend: 14400 };

/** DataStore methods that spend the Set budget (UpdateAsync spends both). */
const SET_METHODS = new Set(["SetAsync", "UpdateAsync", "IncrementAsync", "RemoveAsync"]);
const GET_METHODS = new Set(["GetAsync", "UpdateAsync"]);

/**
 * The play pattern: PLAYERS players load, earn every 30 s and buy every 5 min (`active`; otherwise they do
 * nothing) for MINUTES minutes, then leave. Counts every request from the first load until 30 s after the
 * last leave, and separately the steady state (from 60 s after loading until the leaves).
 */
function play(lib: Library, base: number, active: boolean): [RequestCounts, RequestCounts] {
	const all = startRequestLog();
	for (let p = 1; p <= PLAYERS; p++) lib.load(base + p);
	let steady: ReturnType<typeof startRequestLog> | undefined;
	for (let second = 30; second <= MINUTES * 60; second += 30) {
		task.wait(30);
		if (second === 60) steady = startRequestLog();
		if (!active) continue;
		for (let p = 1; p <= PLAYERS; p++) {
			lib.earn(base + p, second);
			if (second % 300 === 0) lib.buy(base + p, second / 300);
		}
	}
	const steadyCounts = steady!.stop();
	for (let p = 1; p <= PLAYERS; p++) lib.leave(base + p);
	task.wait(30);
	return [all.stop(), steadyCounts];
}

function perHour(n: number | undefined): number {
	return (n ?? 0) / PLAYER_HOURS;
}

/** Prints one case's requests per player-hour by service and by method, beside the quotas. */
function report(bench: Bench, name: string, counts: RequestCounts): number {
	let gets = 0;
	let sets = 0;
	for (const [method, n] of counts.byMethod) {
		const [service, call] = method.match("^(%w+)%.(%w+)$") as LuaTuple<[string, string]>;
		if (service === "DataStore") {
			if (GET_METHODS.has(call)) gets += n;
			if (SET_METHODS.has(call)) sets += n;
		}
		bench.record(`${name}: ${method} per player-hour`, perHour(n), "requests");
	}
	const dataStore = perHour(counts.byService.get("DataStore"));
	bench.record(`${name}: DataStore requests per player-hour`, dataStore, "requests");
	recordGoal(
		bench,
		`${name}: DataStore Get budget spent per player-hour`,
		perHour(gets),
		"",
		QUOTA_PER_PLAYER_HOUR.DataStoreGet,
	);
	recordGoal(
		bench,
		`${name}: DataStore Set budget spent per player-hour`,
		perHour(sets),
		"",
		QUOTA_PER_PLAYER_HOUR.DataStoreSet,
	);
	recordGoal(
		bench,
		`${name}: MemoryStore request units per player-hour`,
		perHour(counts.memoryStoreUnits),
		"units",
		QUOTA_PER_PLAYER_HOUR.MemoryStoreUnits,
	);
	recordGoal(
		bench,
		`${name}: Messaging publishes per player-hour`,
		perHour(counts.byMethod.get("Messaging.PublishAsync")),
		"",
		QUOTA_PER_PLAYER_HOUR.MessagingSend,
	);
	for (const [store, n] of counts.byStore) {
		bench.record(`${name}: DataStore calls to ${store} per player-hour`, perHour(n), "calls");
	}
	if (counts.throttled + counts.dropped > 0) {
		bench.record(`${name}: DataStore requests throttled / dropped`, counts.throttled, `/ ${counts.dropped}`);
	}
	return dataStore;
}

/** Backups, the audit trail, the consistency check on load and a scheduled check of each player every 5 min. */
const EVERY_FEATURE = {
	enableBackups: true,
	enableAuditing: true,
	checkConsistencyOnRead: true,
	consistency: { checkInterval: 300 },
};

function serverWithPlayers(): ServerHandle {
	const server = newServer({ runScripts: false, faultImmune: true });
	for (let i = 0; i < PLAYERS; i++) server.addPlayer({ userId: 700000 + i + math.random(0, 99) * 100 });
	return server;
}

/**
 * Request cost of DataService beside ProfileService and ProfileStore (both unmodified) in the same play
 * pattern and run: requests per player-hour by service (DataStore, MemoryStore, Messaging) and by method,
 * against the per-player quotas, and DataStore calls by store; with every DataService feature on (backups,
 * audit, consistency check on load and every 5 minutes) against ProfileStore at the same 30 s auto-save; and what an idle player costs once loaded.
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();
	const cases: Array<[string, (server: ServerHandle) => Library, boolean]> = [
		["ProfileService alone", (s) => profileServiceOn(s), true],
		["ProfileStore (300 s auto-save, its default)", (s) => profileStoreOn(s), true],
		["ProfileStore (30 s auto-save)", (s) => profileStoreOn(s, 30), true],
		["DataService (defaults)", (s) => dataServiceOn(s), true],
		["DataService (every feature on)", (s) => dataServiceOn(s, EVERY_FEATURE), true],
		["ProfileStore (30 s auto-save), idle players", (s) => profileStoreOn(s, 30), false],
		["DataService (every feature on), idle players", (s) => dataServiceOn(s, EVERY_FEATURE), false],
	];
	const totals = new Map<string, number>();
	let base = 10000;
	for (const [name, make, active] of cases) {
		const server = serverWithPlayers();
		const lib = make(server);
		task.wait(1);
		const [counts, steady] = play(lib, base, active);
		totals.set(name, report(bench, name, counts));
		if (!active) {
			recordGoal(
				bench,
				`${name}: DataStore requests per player-hour once loaded (no change made)`,
				perHour(steady.byService.get("DataStore")),
				"requests",
				0,
			);
		}
		base += 10000;
		stopOtherServers();
	}
	const reference = totals.get("ProfileStore (30 s auto-save)")!;
	recordGoal(
		bench,
		"DataService (every feature on) / ProfileStore (30 s auto-save): DataStore requests per player-hour",
		totals.get("DataService (every feature on)")! / reference,
		"x",
		1,
	);
	resetCloud();
};
