import type { GameData, ServiceServer } from "../service/support";
import { freshWorld, inboxKeys, savedData, serviceServer, stopServers, waitUntil } from "../service/support";
import { chaosSeeds, invariant, reseed, RETRYABLE_CODES } from "../harness/Chaos";
import { configureFaults } from "../harness/Faults";

const PLAYERS = 9;
const COINS = 100;
const SWORDS = 2;

function inboxEmpty(userId: number): boolean {
	return inboxKeys(userId).size() === 0;
}

function swords(data: GameData): number {
	return data.inventory.sword ?? 0;
}

let serverCount = 0;

/**
 * A server running a DataService, with a crowd of other players: a game server's DataStore budget grows
 * with its players (60 + 10 a minute each), and a real one hosting traders is not empty.
 */
function gameServer(): ServiceServer {
	const s = serviceServer({ ackTimeout: 2, releaseTimeout: 10 });
	serverCount += 1;
	for (let p = 1; p <= 12; p++) s.server.addPlayer({ userId: 50000 + serverCount * 100 + p });
	return s;
}

/**
 * Players on three servers trade across servers (offers, gifts, same-server trades), hop between servers
 * and lose a server to a crash, under DataStore errors (some failing after they landed), lost and duplicated
 * messages and latency. At the end every offer is settled, every inbox is empty, and the coins and swords
 * of all players add up to what they started with, none negative.
 */
function scenario(seed: number, operations: number): void {
	freshWorld();
	reseed(seed);
	const rng = new Random(seed);
	const servers = new Array<ServiceServer>();
	for (let i = 0; i < 3; i++) servers.push(gameServer());
	const players = new Array<number>();
	const holder = new Map<number, ServiceServer>();
	for (let p = 1; p <= PLAYERS; p++) {
		const userId = 9000 + p;
		const at = servers[p % 3];
		at.service.LoadPlayerData(userId).expect();
		at.service.UpdatePlayerData(userId, { coins: COINS, inventory: { sword: SWORDS } }, { durable: true }).expect();
		players.push(userId);
		holder.set(userId, at);
	}
	configureFaults({
		seed,
		dataStore: {
			errorRate: { "*": 0.05 },
			errorCodes: RETRYABLE_CODES,
			failedButAppliedRate: 0.02,
			latency: { min: 0.02, max: 0.3, tailRate: 0.05, tailMax: 2 },
		},
		messaging: { lossRate: 0.2, duplicateRate: 0.1, delay: { min: 0.05, max: 1 } },
	});
	// Operations in flight: each ends when its Promise settles or its server dies (its threads die too).
	const flights = new Array<{ at: ServiceServer; promise: Promise<unknown>; what: string }>();
	const flying = (f: { at: ServiceServer; promise: Promise<unknown> }) =>
		f.at.server.state() === "running" && f.promise.getStatus() === Promise.Status.Started;
	const track = (at: ServiceServer, start: () => Promise<unknown>, what: string) => {
		const [ok, promise] = pcall(start);
		if (ok) flights.push({ at, promise, what: `${what} at ${math.floor(os.clock())}` });
		return ok ? promise : undefined;
	};
	let hopping = 0;
	let crashed = false;
	const pick = () => players[rng.NextInteger(0, players.size() - 1)];
	for (let op = 0; op < operations; op++) {
		task.wait(rng.NextNumber(0.1, 1.5));
		const a = pick();
		let b = pick();
		while (b === a) b = pick();
		const at = holder.get(a)!;
		const roll = rng.NextNumber();
		if (roll < 0.45) {
			const give: Record<string, number> = { coins: rng.NextInteger(1, 40) };
			const take: Record<string, number> = rng.NextNumber() < 0.5 ? { "inventory.sword": 1 } : {};
			const expiresIn = rng.NextNumber(2, 20);
			track(at, () => at.service.OfferTrade(a, b, give, take, { expiresIn }), `offer ${a}->${b}`);
		} else if (roll < 0.65) {
			const gift: Record<string, number> =
				rng.NextNumber() < 0.5 ? { coins: rng.NextInteger(1, 20) } : { "inventory.sword": 1 };
			track(at, () => at.service.SendGift(a, b, gift), `gift ${a}->${b}`);
		} else if (roll < 0.8 && holder.get(b) === at) {
			track(
				at,
				() =>
					at.service.Trade(a, b, (da, db) => [
						{ ...da, coins: da.coins - 5, inventory: { ...da.inventory, sword: swords(da) + 1 } },
						{ ...db, coins: db.coins + 5, inventory: { ...db.inventory, sword: swords(db) - 1 } },
					]),
				`trade ${a}/${b}`,
			);
		} else if (roll < 0.95 || crashed) {
			// The player hops to another server (a teleport): released here, then loaded there.
			const to = servers.filter((s) => s !== at && s.server.state() === "running")[0];
			holder.set(a, to);
			hopping += 1;
			task.spawn(() => {
				const release = track(at, () => at.service.ReleasePlayer(a), `release ${a}`);
				waitUntil(() => release === undefined || !flying({ at, promise: release }), 120);
				track(to, () => to.service.LoadPlayerData(a), `hop load ${a}`);
				hopping -= 1;
			});
		} else {
			// A server dies mid-flight; its players come back on a new server (taking over the locks).
			crashed = true;
			at.server.crash();
			const replacement = gameServer();
			servers[servers.indexOf(at)] = replacement;
			for (const [userId, s] of holder) {
				if (s === at) {
					holder.set(userId, replacement);
					track(replacement, () => replacement.service.LoadPlayerData(userId), `crash load ${userId}`);
				}
			}
		}
	}
	// Every operation ends, loads included (a load still in flight would race the final server's).
	const ended = waitUntil(() => hopping === 0 && !flights.some(flying), 300);
	invariant(
		ended,
		`operations never ended: ${flights
			.filter(flying)
			.map((f) => f.what)
			.join(", ")}`,
	);
	configureFaults({});
	// Every offer expires within 20 s; then one server loads everybody (claiming inboxes, refunding offers).
	task.wait(25);
	for (const userId of players) {
		const at = holder.get(userId)!;
		if (at.server.state() === "running") at.service.ReleasePlayer(userId).await();
	}
	const final = gameServer();
	for (const userId of players) {
		const [ok, err] = final.service.LoadPlayerData(userId).await();
		invariant(ok, `the final load of ${userId} failed: ${(err as { message?: string }).message}`);
	}
	const drained = waitUntil(() => players.every(inboxEmpty), 120);
	invariant(drained, `inboxes not drained: ${players.filter((p) => !inboxEmpty(p)).join(", ")}`);
	let coins = 0;
	let swordCount = 0;
	for (const userId of players) {
		const data = final.service.GetPlayerData(userId)!;
		invariant(
			data.coins >= 0 && swords(data) >= 0,
			`player ${userId} went negative: ${data.coins}/${swords(data)}`,
		);
		coins += data.coins;
		swordCount += swords(data);
	}
	const stats = final.service.GetStatistics().service;
	invariant(
		coins === PLAYERS * COINS && swordCount === PLAYERS * SWORDS,
		`${coins} coins and ${swordCount} swords, expected ${PLAYERS * COINS} and ${PLAYERS * SWORDS}`,
	);
	// What the final server holds is what it saved.
	for (const userId of players) final.service.ReleasePlayer(userId).expect();
	const saved = waitUntil(() => players.every((p) => savedData(p) !== undefined), 30);
	invariant(saved && stats.loadedProfiles === PLAYERS, "the final server did not hold and save everybody");
	stopServers();
}

export = () => {
	describe("DataService chaos", () => {
		for (const seed of chaosSeeds(4)) {
			it(`conserves coins and items across servers, crashes and lost messages (seed ${seed})`, () =>
				scenario(seed, 40));
		}
	});
};
