import type { DataServiceError } from "server/services/DataService";
import type { GameData, ServiceServer } from "../service/support";
import {
	freshWorld,
	inboxKeys,
	runScenario,
	savedData,
	savedSession,
	serviceServer,
	waitUntil,
} from "../service/support";
import { chaosSeeds, GAME_DATASTORE_FAULTS, invariant, reseed } from "../harness/Chaos";
import { configureFaults } from "../harness/Faults";
import { findAssignment, Holdings, Ledger, LedgerEntry } from "../harness/Ledger";
import type { Certainty } from "../harness/Ledger";

const SERVERS = 3;
const PLAYERS = 9;
const COINS = 100;
const SWORDS = 2;
/** Virtual seconds the game runs (timers earn, traders trade) before everything is left to settle. */
const GAME_SECONDS = 16;
/** Longest trade offer: the settle phase waits this long for the last ones to expire. */
const MAX_EXPIRY = 10;
const SWORD_PRICE = 15;
/** Rejections that say the operation did nothing (DataService documents each as "nothing changed"). */
const PRE_COMMIT = new Set([
	"InvalidArgument",
	"ValidationFailed",
	"Refused",
	"TransformFailed",
	"TimedOut",
	"NotLoaded",
]);

type Judged = [Exclude<Certainty, "inFlight">, string];

/** An operation in flight: its server, its Promise, its ledger entry and how to read its result. */
interface Flight {
	readonly at: ServiceServer;
	readonly promise: Promise<unknown>;
	readonly entry: LedgerEntry;
	/** What a resolved Promise's value says. */
	readonly judge: (value: unknown) => Judged;
	/** True when the operation is known to have called itself off (a trade whose function returned nothing). */
	readonly calledOff?: () => boolean;
}

function swordsOf(data: GameData): number {
	return data.inventory.sword ?? 0;
}

function holdingsOf(data: GameData): Holdings {
	return { coins: data.coins, swords: swordsOf(data) };
}

function inboxEmpty(userId: number): boolean {
	return inboxKeys(userId).size() === 0;
}

/** Coins and swords moved by amounts such as `{ coins: 5, "inventory.sword": 1 }`, times `sign`. */
function moved(amounts: Record<string, number>, sign: number): Holdings {
	return { coins: (amounts.coins ?? 0) * sign, swords: (amounts["inventory.sword"] ?? 0) * sign };
}

function plus(a: Holdings, b: Holdings): Holdings {
	return { coins: a.coins + b.coins, swords: a.swords + b.swords };
}

function amountsText(amounts: Record<string, number>): string {
	const h = moved(amounts, 1);
	return `${h.coins}c/${h.swords}s`;
}

let serverCount = 0;

/**
 * A server running a DataService, with a crowd of other players: a game server's DataStore budget grows
 * with its players (60 + 10 a minute each), and a real one hosting traders is not empty.
 */
function gameServer(): ServiceServer {
	const s = serviceServer();
	serverCount += 1;
	for (let p = 1; p <= 12; p++) s.server.addPlayer({ userId: 60000 + serverCount * 100 + p });
	return s;
}

/**
 * The game a user writes, under chaos. Players on three servers earn on timers through the functional
 * form (`UpdatePlayerData(id, (d) => ...)` and IncrementPlayerData, durable), buy and sell swords, gift,
 * trade on one server, offer trades across servers and hop between servers, while the DataStore fails
 * (retryable codes, writes that report failure but landed, latency), messages are lost, duplicated and
 * delayed, and a server crashes at a random moment in most seeds. Every operation goes into a ledger with
 * its effect on each player; a resolved one is certain, one rejected before its commit point certainly did
 * nothing, anything else is uncertain. Once everything settled, the stored holdings of every player must
 * equal start + certain effects + the effects of one choice of the uncertain operations, exactly, per player.
 * Acknowledged durable awards are certain: the check reads the stored data, so each must be in it.
 */
function scenario(seed: number): { happened: number; nothing: number; uncertain: number; chosen: number } {
	freshWorld();
	reseed(seed);
	const rng = new Random(seed);
	const servers = new Array<ServiceServer>();
	for (let i = 0; i < SERVERS; i++) servers.push(gameServer());
	const players = new Array<number>();
	const holder = new Map<number, ServiceServer>();
	const start = new Map<number, Holdings>();
	for (let p = 1; p <= PLAYERS; p++) {
		const userId = 9000 + p;
		players.push(userId);
		holder.set(userId, servers[p % SERVERS]);
		start.set(userId, { coins: COINS, swords: SWORDS });
	}
	// Every player starts with the same holdings, saved, before any fault.
	const setups = players.map((userId) => {
		const at = holder.get(userId)!;
		return at.service
			.LoadPlayerData(userId)
			.andThen(() =>
				at.service.UpdatePlayerData(userId, { coins: COINS, inventory: { sword: SWORDS } }, { durable: true }),
			);
	});
	for (const setup of setups) setup.expect();
	configureFaults({
		seed,
		dataStore: GAME_DATASTORE_FAULTS,
		messaging: { lossRate: 0.2, duplicateRate: 0.1, delay: { min: 0.05, max: 1 } },
	});

	const ledger = new Ledger();
	const flights = new Array<Flight>();
	const flying = (f: { at: ServiceServer; promise: Promise<unknown> }) =>
		f.at.server.state() === "running" && f.promise.getStatus() === Promise.Status.Started;
	/** Starts a ledger operation on `at` (nothing when `at` is not running: the game would not call it). */
	const operate = (
		at: ServiceServer,
		what: string,
		effect: Map<number, Holdings>,
		start: () => Promise<unknown>,
		judge: (value: unknown) => Judged,
		calledOff?: () => boolean,
	) => {
		if (at.server.state() !== "running") return;
		const entry = ledger.record(`${what} on server ${at.server.index}`, effect);
		const [ok, promise] = pcall(start);
		if (!ok) ledger.settle(entry, "uncertain", `the call was cut short: ${tostring(promise)}`);
		else {
			// Handled here (the ledger reads every rejection at the end), so no unhandled-rejection warnings.
			promise.catch(() => undefined);
			flights.push({ at, promise, entry, judge, calledOff });
		}
	};
	const updated = (value: unknown): Judged =>
		(value as { changed: boolean }).changed ? ["happened", "resolved"] : ["nothing", "resolved unchanged"];
	const transferred = (): Judged => ["happened", "resolved"];
	const offered = (value: unknown): Judged => {
		const status = (value as { status: string }).status;
		if (status === "completed") return ["happened", "resolved completed"];
		if (status === "pending") return ["uncertain", "resolved pending"];
		return ["nothing", `resolved ${status}`];
	};
	// Loads are no ledger operations (they move nothing) but must end before the final loads.
	const loads = new Array<{ at: ServiceServer; promise: Promise<unknown> }>();
	const load = (at: ServiceServer, userId: number) => {
		if (at.server.state() !== "running") return;
		const [ok, promise] = pcall(() => at.service.LoadPlayerData(userId));
		if (ok) {
			promise.catch(() => undefined);
			loads.push({ at, promise });
		}
	};

	let gameOver = false;
	let busy = 0;
	const pick = () => players[rng.NextInteger(0, players.size() - 1)];

	// Each player earns, buys and sells on a timer of its own, through whichever server holds it.
	for (const userId of players) {
		busy += 1;
		task.spawn(() => {
			for (;;) {
				task.wait(rng.NextNumber(2.5, 5));
				if (gameOver) break;
				const at = holder.get(userId)!;
				const roll = rng.NextNumber();
				const n = rng.NextInteger(1, 10);
				const durable = { source: "timer", durable: true };
				if (roll < 0.5) {
					operate(
						at,
						`earn ${userId} +${n}c`,
						new Map([[userId, { coins: n, swords: 0 }]]),
						() => at.service.UpdatePlayerData(userId, (d) => ({ coins: d.coins + n }), durable),
						updated,
					);
				} else if (roll < 0.7) {
					operate(
						at,
						`increment ${userId} +${n}c`,
						new Map([[userId, { coins: n, swords: 0 }]]),
						() => at.service.IncrementPlayerData(userId, { coins: n }, durable),
						updated,
					);
				} else if (roll < 0.9) {
					operate(
						at,
						`buy ${userId} sword`,
						new Map([[userId, { coins: -SWORD_PRICE, swords: 1 }]]),
						() =>
							at.service.UpdatePlayerData(
								userId,
								(d) =>
									d.coins >= SWORD_PRICE
										? {
												coins: d.coins - SWORD_PRICE,
												inventory: { ...d.inventory, sword: swordsOf(d) + 1 },
											}
										: undefined,
								durable,
							),
						updated,
					);
				} else {
					// Selling the last sword breaks the schema's minimum: ValidationFailed, nothing changed.
					operate(
						at,
						`sell ${userId} sword`,
						new Map([[userId, { coins: 8, swords: -1 }]]),
						() => at.service.IncrementPlayerData(userId, { coins: 8, "inventory.sword": -1 }, durable),
						updated,
					);
				}
			}
			busy -= 1;
		});
	}

	// A server crashes at a random moment in three seeds of four; its players come back on a new server.
	const crashAt = rng.NextNumber() < 0.75 ? rng.NextNumber(2, GAME_SECONDS - 2) : undefined;
	if (crashAt !== undefined) {
		busy += 1;
		task.delay(crashAt, () => {
			const victim = servers[rng.NextInteger(0, servers.size() - 1)];
			victim.server.crash();
			const replacement = gameServer();
			servers[servers.indexOf(victim)] = replacement;
			for (const [userId, s] of holder) {
				if (s !== victim) continue;
				holder.set(userId, replacement);
				load(replacement, userId);
			}
			busy -= 1;
		});
	}

	// Players trade with each other and hop between servers.
	const hopping = new Set<number>();
	const began = os.clock();
	while (os.clock() - began < GAME_SECONDS) {
		task.wait(rng.NextNumber(0.4, 1.2));
		const a = pick();
		let b = pick();
		while (b === a) b = pick();
		const at = holder.get(a)!;
		const roll = rng.NextNumber();
		if (roll < 0.35) {
			const give: Record<string, number> = { coins: rng.NextInteger(1, 25) };
			if (rng.NextNumber() < 0.3) give["inventory.sword"] = 1;
			const r = rng.NextNumber();
			const take: Record<string, number> =
				r < 0.5 ? { "inventory.sword": 1 } : r < 0.75 ? { coins: rng.NextInteger(1, 10) } : {};
			const expiresIn = rng.NextNumber(2, MAX_EXPIRY);
			operate(
				at,
				`offer ${a}->${b} give ${amountsText(give)} take ${amountsText(take)}`,
				new Map([
					[a, plus(moved(give, -1), moved(take, 1))],
					[b, plus(moved(give, 1), moved(take, -1))],
				]),
				() => at.service.OfferTrade(a, b, give, take, { expiresIn }),
				offered,
			);
		} else if (roll < 0.75 && (roll < 0.6 || holder.get(b) !== at)) {
			const gift: Record<string, number> =
				rng.NextNumber() < 0.6 ? { coins: rng.NextInteger(1, 20) } : { "inventory.sword": 1 };
			operate(
				at,
				`gift ${a}->${b} ${amountsText(gift)}`,
				new Map([
					[a, moved(gift, -1)],
					[b, moved(gift, 1)],
				]),
				() => at.service.SendGift(a, b, gift),
				transferred,
			);
		} else if (roll < 0.75) {
			// Same server: a buys one of b's swords for 5 coins, or calls the trade off when either cannot pay.
			let calledOff = false;
			operate(
				at,
				`trade ${a}/${b} 5c for 1s`,
				new Map([
					[a, { coins: -5, swords: 1 }],
					[b, { coins: 5, swords: -1 }],
				]),
				() =>
					at.service.Trade(a, b, (da, db) => {
						if (da.coins < 5 || swordsOf(db) < 1) {
							calledOff = true;
							return undefined;
						}
						return [
							{ ...da, coins: da.coins - 5, inventory: { ...da.inventory, sword: swordsOf(da) + 1 } },
							{ ...db, coins: db.coins + 5, inventory: { ...db.inventory, sword: swordsOf(db) - 1 } },
						];
					}),
				transferred,
				() => calledOff,
			);
		} else if (!hopping.has(a)) {
			// A hop (a teleport): released here, loaded on another server a moment later.
			const to = servers.filter((s) => s !== at && s.server.state() === "running");
			if (to.size() === 0) continue;
			const target = to[rng.NextInteger(0, to.size() - 1)];
			holder.set(a, target);
			hopping.add(a);
			busy += 1;
			const delay = rng.NextNumber(0, 2);
			task.spawn(() => {
				// Not awaited: a release waiting for the player's lock never settles if its server crashes.
				const [ok, release] = pcall(() => at.service.ReleasePlayer(a));
				if (ok) waitUntil(() => !flying({ at, promise: release }), 120);
				task.wait(delay);
				load(target, a);
				hopping.delete(a);
				busy -= 1;
			});
		}
	}
	gameOver = true;

	// Every operation ends (resolves, rejects, or dies with its server); so does every load.
	const ended = waitUntil(() => busy === 0 && !flights.some(flying) && !loads.some(flying), 300);
	invariant(
		ended,
		`operations never ended: ${flights
			.filter(flying)
			.map((f) => f.entry.what)
			.join(", ")}; ${loads.filter(flying).size()} loads and ${busy} timers or hops still busy`,
	);
	for (const flight of flights) {
		const status = flight.promise.getStatus();
		if (status === Promise.Status.Resolved) {
			const [, value] = flight.promise.await();
			const [certainty, outcome] = flight.judge(value);
			ledger.settle(flight.entry, certainty, outcome);
		} else if (status === Promise.Status.Rejected) {
			const [, err] = flight.promise.await();
			const e = err as DataServiceError;
			const certain = PRE_COMMIT.has(e.kind) || flight.calledOff?.() === true;
			ledger.settle(flight.entry, certain ? "nothing" : "uncertain", `rejected ${e.kind}: ${e.message}`);
		} else {
			ledger.settle(flight.entry, "uncertain", `in flight when server ${flight.at.server.index} stopped`);
		}
	}

	// Let everything settle without faults: offers expire, then one live server loads everybody afresh
	// (claiming every inbox: deliveries, answers to escrows, refunds of expired offers).
	configureFaults({});
	task.wait(MAX_EXPIRY + 3);
	for (const userId of players) {
		const at = holder.get(userId)!;
		if (at.server.state() === "running") at.service.ReleasePlayer(userId).await();
	}
	const final = servers.find((s) => s.server.state() === "running")!;
	for (const userId of players) {
		const [ok, err] = final.service.LoadPlayerData(userId).await();
		invariant(ok, `the final load of ${userId} failed: ${(err as DataServiceError).message}`);
	}
	const drained = waitUntil(() => players.every(inboxEmpty), 120);
	invariant(drained, `inbox entries left: ${players.filter((p) => !inboxEmpty(p)).join(", ")}`);
	const held = new Map<number, Holdings>();
	for (const userId of players) held.set(userId, holdingsOf(final.service.GetPlayerData(userId)!));
	// What the final server holds is what it saves: the check reads the stored data.
	for (const userId of players) final.service.ReleasePlayer(userId).expect();
	const released = waitUntil(() => players.every((p) => savedSession(p) === undefined), 60);
	invariant(released, "the final server did not release everybody");
	const stored = new Map<number, Holdings>();
	for (const userId of players) {
		const h = holdingsOf(savedData(userId)!);
		const inMemory = held.get(userId)!;
		invariant(
			h.coins === inMemory.coins && h.swords === inMemory.swords,
			`player ${userId}: stored ${h.coins}c/${h.swords}s, held ${inMemory.coins}c/${inMemory.swords}s`,
		);
		invariant(h.coins >= 0 && h.swords >= 0, `player ${userId} went negative: ${h.coins}c/${h.swords}s`);
		stored.set(userId, h);
	}
	const result = ledger.check(players, start, stored);
	if ("failure" in result) error(`invariant broken (seed ${seed}): ${result.failure}`, 0);
	const counts = ledger.counts();
	return {
		happened: counts.happened,
		nothing: counts.nothing,
		uncertain: counts.uncertain,
		chosen: result.happened.size(),
	};
}

export = () => {
	describe("game ledger solver", () => {
		const h = (coins: number, swords: number): Holdings => ({ coins, swords });
		it("finds the one choice of uncertain operations that explains every player", () => {
			// Players 0 and 1: a gift of 5c happened, a sword trade did not.
			const found = findAssignment(
				[h(-5, 0), h(5, 0)],
				[
					[
						[0, h(-5, 0)],
						[1, h(5, 0)],
					],
					[
						[0, h(-5, 1)],
						[1, h(5, -1)],
					],
				],
			);
			expect(found).to.be.ok();
			expect((found as Array<boolean>)[0]).to.equal(true);
			expect((found as Array<boolean>)[1]).to.equal(false);
		});

		it("refuses totals that match when a player's own holdings do not", () => {
			// 10 coins in all moved, but to the wrong player: conserved, yet no assignment explains it.
			expect(
				findAssignment(
					[h(-10, 0), h(0, 0), h(10, 0)],
					[
						[
							[0, h(-10, 0)],
							[1, h(10, 0)],
						],
					],
				),
			).never.to.be.ok();
		});

		it("refuses one side of a transfer without the other", () => {
			expect(
				findAssignment(
					[h(-5, 0), h(0, 0)],
					[
						[
							[0, h(-5, 0)],
							[1, h(5, 0)],
						],
					],
				),
			).never.to.be.ok();
		});

		it("dumps the ledger with its unexplained players", () => {
			const ledger = new Ledger();
			const gift = ledger.record(
				"gift 1->2 5c/0s",
				new Map([
					[1, h(-5, 0)],
					[2, h(5, 0)],
				]),
			);
			ledger.settle(gift, "happened", "resolved");
			const result = ledger.check(
				[1, 2],
				new Map([
					[1, h(100, 2)],
					[2, h(100, 2)],
				]),
				new Map([
					[1, h(95, 2)],
					[2, h(100, 2)],
				]),
			);
			expect("failure" in result).to.equal(true);
			const failure = (result as { failure: string }).failure;
			expect(failure.find("2: 100c/2s %+5c/%+0s = 105c/2s %(final 100c/2s; %-5c/%+0s%)")[0]).to.be.ok();
			expect(failure.find("#1 t=", 1, true)[0]).to.be.ok();
		});
	});

	describe("the game a user writes, under chaos", () => {
		for (const seed of chaosSeeds(100)) {
			it(`keeps every player's coins and swords equal to the ledger (seed ${seed})`, () => {
				runScenario(
					seed,
					scenario,
					(s) =>
						`${s.happened} happened, ${s.nothing} did nothing, ${s.uncertain} uncertain (${s.chosen} of them happened)`,
				);
			});
		}
	});
};
