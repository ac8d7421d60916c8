import type { ConsistencyReport } from "server/services/DataService";
import { mintItemId } from "shared/core/ConsistencyChecker";
import { canonicalJson } from "shared/core/dal/Canonical";
import { chaosSeeds, invariant, reseed } from "../harness/Chaos";
import { configureDataStoreFaults } from "../harness/Cloud";
import { now, realtime } from "../harness/World";
import type { ServiceServer } from "../service/support";
import { freshWorld, savedData, stopServers } from "../service/support";
import { CATALOG, ItemData, itemServer, rewriteStored } from "./support";

/** Players of one world; the first half get exactly one injected fault each, the rest stay clean. */
const PLAYERS = 24;
/** Virtual seconds the world runs. */
const HOUR = 3600;
const TICK = 60;

/**
 * The corruptions injected into a released player's stored data (what a buggy or stale server, or an
 * outside edit, writes), each with the field an issue must name for it to count as caught.
 */
const CORRUPTIONS: Array<[string, string, (data: ItemData) => void]> = [
	["levelOverCap", "level", (d) => (d.level = 5000)],
	["unknownCountedItem", "inventory.dragon", (d) => (d.inventory.dragon = 1)],
	["equippedNotOwned", "equipped", (d) => (d.equipped = "ghost")],
	["futureTimestamp", "lastLogin", (d) => (d.lastLogin = os.time() + 30 * 86400)],
	["wrongType", "coins", (d) => ((d as unknown as { coins: string }).coins = "lots")],
	["unknownField", "hacked", (d) => ((d as unknown as { hacked: boolean }).hacked = true)],
	["beyondRepair", "items", (d) => d.items.push({ id: "broken" } as never)],
	["duplicateWithin", "items", (d) => d.items.push({ ...d.items[0] })],
	["unknownUniqueItem", "items", (d) => d.items.push({ id: mintItemId(), item: "laser" })],
	// Lifetime earnings lowered while the player was offline (earned grows 10 a minute: at least 100 by now).
	["monotonicLowered", "earned", (d) => (d.earned = math.floor(d.earned / 2))],
	// A deleted top-level field: the session store's Reconcile would refill it from the template unseen.
	["deletedField", "level", (d) => delete (d as Partial<ItemData>).level],
];
/** Injections per dirty player, in turn: the classic dupe as often as four corruption kinds. */
const KINDS = [
	...CORRUPTIONS.map(([name]) => name),
	"staleSaveDupe",
	"staleSaveDupe",
	"staleSaveDupe",
	"staleSaveDupe",
];

/** Whether an issue names the field a fault of `kind` touched (the dupe: a duplicateItem issue). */
function names(kind: string, found: { kind: string; path: string }): boolean {
	if (kind === "staleSaveDupe") return found.kind === "duplicateItem";
	const field = CORRUPTIONS.find(([name]) => name === kind)![1];
	return (
		found.path === field ||
		found.path.sub(1, field.size() + 1) === `${field}.` ||
		found.path.sub(1, field.size() + 1) === `${field}[`
	);
}

interface Injection {
	readonly playerId: number;
	readonly kind: string;
	readonly at: number;
	/** For the dupe: the player who rightfully holds the item. */
	readonly holder?: number;
	/** Canonical JSON of the stored data as corrupted (what the emergency backup must hold). */
	readonly corrupted?: string;
}

interface Summary {
	injected: number;
	caught: number;
	/** Injected and caught, by kind ("levelOverCap 1/1"). */
	byKind: Map<string, [number, number]>;
	/** Clean players (no fault injected, not the rightful holder of a duped item) and how many were flagged. */
	cleanPlayers: number;
	cleanFlagged: number;
	/** Checks of clean players counted here (loads and final checks; scheduled checks are in allChecks). */
	cleanChecks: number;
	/** Checks of every player on both servers (on load, scheduled, final). */
	allChecks: number;
	repairs: number;
	reversible: number;
	missed: Array<string>;
	falsePositives: Array<string>;
	irreversible: Array<string>;
}

function scenario(seed: number): Summary {
	reseed(seed);
	freshWorld();
	const rng = new Random(seed);
	const reports = new Array<{ at: number; report: ConsistencyReport }>();
	const checksByPlayer = new Map<number, number>();
	const config = {
		consistency: {
			onQuarantine: "fresh" as const,
			checkInterval: 600,
			recheckDelay: 90,
			onReport: (report: ConsistencyReport) => reports.push({ at: now(), report }),
		},
	};
	const servers: Array<ServiceServer> = [itemServer(config), itemServer(config)];
	const where = new Map<number, number>();
	const busy = new Set<number>();
	const injections = new Array<Injection>();
	const ids = new Array<number>();
	for (let i = 1; i <= PLAYERS; i++) ids.push(seed * 100 + i);
	const dirty = new Set(ids.filter((_, i) => i < PLAYERS / 2));
	const clean = ids.filter((id) => !dirty.has(id));
	const toInject = new Map<number, string>();
	/** Each dirty player's fault lands at the first of its turns after a minute drawn in [10, 50). */
	const injectAt = new Map<number, number>();
	ids.forEach((id, i) => {
		if (!dirty.has(id)) return;
		toInject.set(id, KINDS[(i + seed) % KINDS.size()]);
		injectAt.set(id, rng.NextInteger(10, 49) * 60);
	});

	const at = (id: number) => servers[where.get(id)!].service;
	const count = (id: number) => checksByPlayer.set(id, (checksByPlayer.get(id) ?? 0) + 1);
	for (let i = 0; i < ids.size(); i++) {
		const id = ids[i];
		where.set(id, i % 2);
		at(id).LoadPlayerData(id).expect();
		count(id);
		const items = [
			{ id: mintItemId(), item: CATALOG[rng.NextInteger(0, 2)] },
			{ id: mintItemId(), item: CATALOG[rng.NextInteger(0, 2)] },
		];
		at(id)
			.UpdatePlayerData(id, { items, equipped: items[0].id, lastLogin: os.time() } as never)
			.expect();
	}

	/** Moves a player to the other server, applying `meanwhile` to the stored data in between. */
	const hop = (id: number, meanwhile?: (data: ItemData) => void) => {
		at(id).ReleasePlayer(id).expect();
		task.wait(10);
		if (meanwhile !== undefined) rewriteStored(id, (data) => meanwhile(data as unknown as ItemData));
		where.set(id, 1 - where.get(id)!);
		const [ok, err] = at(id).LoadPlayerData(id).await();
		invariant(ok, `player ${id} could not load after the hop: ${tostring((err as { message?: string }).message)}`);
		count(id);
	};

	/** The classic dupe: `id` trades its first item to a player on its server, then hops while a save of its
	 * data from before the trade is held in flight by a DataStore latency spike and lands after the release. */
	const staleSaveDupe = (id: number) => {
		const partner = clean.find((other) => where.get(other) === where.get(id) && !busy.has(other));
		if (partner === undefined) return false;
		busy.add(partner);
		const service = at(id);
		const before = service.GetPlayerData(id) as unknown as ItemData;
		service
			.Trade(id, partner, (a, b) => {
				const gave = (a as unknown as ItemData).items[0];
				const rest = (a as unknown as ItemData).items.filter((item) => item.id !== gave.id);
				return [
					{ ...a, items: rest, equipped: rest[0]?.id ?? "" } as never,
					{ ...b, items: [...(b as unknown as ItemData).items, gave] } as never,
				];
			})
			.expect();
		// The stale server's save: started now, held ~15 s on the wire by the fault plan's latency spike, so
		// it reads and writes the key after the release save landed (ProfileService's release takes seconds).
		const start = now();
		configureDataStoreFaults({ spikes: [{ start, stop: start + 0.05, extra: 30 }] });
		const server = servers[where.get(id)!].server;
		task.spawn(() =>
			server.run(() => rewriteStored(id, (data) => (data.items = before.items as never), server.game)),
		);
		task.wait(0.1);
		configureDataStoreFaults({});
		at(id).ReleasePlayer(id).expect();
		task.wait(25);
		invariant(
			(savedData(id) as unknown as ItemData).items.some((item) => item.id === before.items[0].id),
			`the stale save of ${id} did not land after the hop`,
		);
		where.set(id, 1 - where.get(id)!);
		const [ok] = at(id).LoadPlayerData(id).await();
		invariant(ok, `player ${id} could not load after the stale save`);
		count(id);
		injections.push({ playerId: id, kind: "staleSaveDupe", at: start, holder: partner });
		busy.delete(partner);
		return true;
	};

	const started = now();
	const act = (id: number) => {
		const service = at(id);
		service.IncrementPlayerData(id, { coins: rng.NextInteger(5, 15), earned: 10 }).await();
		const roll = rng.NextNumber();
		if (roll < 0.05) {
			service
				.UpdatePlayerData(
					id,
					(d) =>
						({
							items: [
								...(d as unknown as ItemData).items,
								{ id: mintItemId(), item: CATALOG[rng.NextInteger(0, 2)] },
							],
						}) as never,
				)
				.await();
		} else if (toInject.has(id) && now() - started >= injectAt.get(id)!) {
			const kind = toInject.get(id)!;
			toInject.delete(id);
			if (kind === "staleSaveDupe") {
				if (!staleSaveDupe(id)) toInject.set(id, kind);
				return;
			}
			const corrupt = CORRUPTIONS.find(([name]) => name === kind)![2];
			let corrupted: string | undefined;
			const start = now();
			hop(id, (data) => {
				corrupt(data);
				corrupted = canonicalJson(data);
			});
			injections.push({ playerId: id, kind, at: start, corrupted });
		} else if (roll < 0.11) {
			hop(id);
		}
	};

	while (now() - started < HOUR) {
		for (const id of ids) {
			if (busy.has(id)) continue;
			busy.add(id);
			task.spawn(() => {
				const [ok, err] = pcall(() => act(id));
				busy.delete(id);
				if (!ok) warn(`player ${id}: ${tostring(err)}`);
			});
		}
		task.wait(TICK);
	}
	// Rechecks of duplicates not yet saved by their holder, then a last check of everyone.
	task.wait(120);
	for (const id of ids) {
		at(id).RunConsistencyCheck(id).await();
		count(id);
	}

	const summary: Summary = {
		injected: injections.size(),
		caught: 0,
		byKind: new Map(),
		cleanPlayers: 0,
		cleanFlagged: 0,
		cleanChecks: 0,
		allChecks: 0,
		repairs: 0,
		reversible: 0,
		missed: [],
		falsePositives: [],
		irreversible: [],
	};
	for (const s of servers) summary.allChecks += s.service.GetStatistics().service.consistencyChecks;
	const holders = new Set(injections.filter((i) => i.holder !== undefined).map((i) => i.holder!));
	for (const injection of injections) {
		// Caught: a report after the fault, about the player (or the dupe's other holder), naming what it touched.
		const found = reports.find(
			(r) =>
				r.at >= injection.at &&
				(r.report.playerId === injection.playerId || r.report.playerId === injection.holder) &&
				r.report.issues.some((i) => names(injection.kind, i)),
		);
		const tally = summary.byKind.get(injection.kind) ?? [0, 0];
		tally[0] += 1;
		if (found !== undefined) {
			summary.caught += 1;
			tally[1] += 1;
		} else summary.missed.push(`${injection.kind} of ${injection.playerId}`);
		summary.byKind.set(injection.kind, tally);
	}
	for (const id of clean) {
		if (holders.has(id)) continue;
		summary.cleanPlayers += 1;
		summary.cleanChecks += checksByPlayer.get(id) ?? 0;
		const flagged = reports.filter((r) => r.report.playerId === id);
		if (flagged.size() > 0) summary.cleanFlagged += 1;
		for (const r of flagged)
			summary.falsePositives.push(`${id}: ${r.report.issues.map((i) => `${i.kind} ${i.path}`).join(", ")}`);
	}
	// Every repair is undone exactly by its emergency backup.
	for (const { report } of reports) {
		const backup = report.repair?.backup;
		if (report.repair?.applied !== true || backup === undefined) continue;
		summary.repairs += 1;
		const injection = injections.find((i) => i.playerId === report.playerId && i.corrupted !== undefined);
		const restored = servers[0].service
			.GetBackupManager()!
			.RestorePlayer(report.playerId, backup.time, { dryRun: true })
			.expect();
		if (injection !== undefined && canonicalJson(restored.data) === injection.corrupted) summary.reversible += 1;
		else
			summary.irreversible.push(
				`${report.playerId} (${injection?.kind ?? "not injected"}; fixes ${report.repair.repairs
					.map((r) => `${r.fix} ${r.path}`)
					.join(", ")}): backup ${canonicalJson(restored.data)} expected ${injection?.corrupted}`,
			);
	}
	return summary;
}

/**
 * One line per seed, in a fixed shape so the counts of a long run (`npm run chaos -- --seeds 1000
 * --filter ConsistencyChaos --verbose`) can be summed: injected/caught overall and by kind, clean players
 * flagged, checks, repairs undone byte for byte.
 */
function line(seed: number, summary: Summary, seconds: number): string {
	const kinds = new Array<string>();
	for (const [kind, [injected, caught]] of summary.byKind) kinds.push(`${kind} ${caught}/${injected}`);
	kinds.sort();
	return `[ConsistencyChaos] seed ${seed}: caught ${summary.caught}/${summary.injected}; clean players flagged ${summary.cleanFlagged}/${summary.cleanPlayers}; checks ${summary.allChecks} (${summary.cleanChecks} loads and final checks of clean players); repairs reversible ${summary.reversible}/${summary.repairs}; kinds ${kinds.join(", ")}; ${seconds} s real`;
}

export = () => {
	// Every fault kind is caught by a deterministic check, so one miss or one flagged clean player is a bug,
	// not noise: each seed asserts all caught and none flagged (the issue's >= 99% and < 0.1% hold over any
	// number of seeds that pass). The printed counts let a long run state its totals. Each seed plays an hour
	// of a 24-player world (62-136 s of real time each, measured on a loaded 2-core machine: 1,000 of them
	// would outlast every other chaos spec together), so a chaos run of N seeds plays ceil(N / 10) of them.
	describe("consistency under chaos: injected corruption, dangling references and stale-save dupes", () => {
		for (const seed of chaosSeeds(1, 10)) {
			it(`catches every injected fault, flags no clean player and undoes every repair exactly (seed ${seed})`, () => {
				__runtime.TestRunner.setTimeLimit(2 * HOUR);
				const startedAt = realtime();
				let summary!: Summary;
				try {
					summary = scenario(seed);
				} finally {
					configureDataStoreFaults({});
					stopServers();
				}
				print(line(seed, summary, math.floor(realtime() - startedAt)));
				// Every dirty player gets its fault (a dupe waits for a partner on its server, at worst one).
				expect(summary.injected >= PLAYERS / 2 - 1).to.equal(true);
				expect(summary.missed.join("; ")).to.equal("");
				expect(summary.falsePositives.join("; ")).to.equal("");
				expect(summary.irreversible.join("; ")).to.equal("");
				expect(summary.repairs > 0).to.equal(true);
			});
		}
	});
};
