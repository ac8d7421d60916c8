/**
 * Developer products under chaos: players buy products through the emulated marketplace while servers
 * crash, DataStore requests fail (or fail but land), the marketplace sometimes fails to record a
 * PurchaseGranted, players trade (inbox snapshots) and hop between servers. Every server grants through
 * DataService.BindProductHandlers; the marketplace offers each unresolved purchase again at the next
 * purchase and the next join, as documented. Each grant adds the product's coins and counts the
 * purchase under its own inventory key, so the final stored data says exactly how often each purchase
 * was granted.
 */
import type { GameData, ServiceServer } from "../service/support";
import { freshWorld, runScenario, savedData, savedSession, serviceServer, waitUntil } from "../service/support";
import { chaosSeeds, GAME_DATASTORE_FAULTS, invariant, reseed } from "../harness/Chaos";
import { configureFaults } from "../harness/Faults";
import { purchaseProduct, receiptCalls, unresolvedPurchases } from "../harness/Marketplace";

const SERVERS = 3;
const PLAYERS = 6;
const GAME_SECONDS = 20;
/** Coins each developer product grants. */
const PRODUCTS = new Map<number, number>([
	[101, 10],
	[102, 25],
]);

/** The inventory key counting the grants of one purchase. */
function grantKey(purchaseId: string): string {
	return `r${purchaseId}`;
}

function handlers(): Record<number, (data: GameData, receipt: ReceiptInfo) => Partial<GameData>> {
	const out: Record<number, (data: GameData, receipt: ReceiptInfo) => Partial<GameData>> = {};
	for (const [productId, coins] of PRODUCTS) {
		out[productId] = (data, receipt) => {
			const key = grantKey(receipt.PurchaseId);
			return {
				coins: data.coins + coins,
				inventory: { ...data.inventory, [key]: (data.inventory[key] ?? 0) + 1 },
			};
		};
	}
	return out;
}

/** A server whose DataService loads players on join and sells the products. */
function shopServer(): ServiceServer {
	const s = serviceServer({ loadOnJoin: true });
	s.service.BindProductHandlers(handlers());
	return s;
}

interface Seat {
	at: ServiceServer;
	player: Player;
}

function scenario(seed: number) {
	freshWorld();
	reseed(seed);
	const rng = new Random(seed);
	const servers = new Array<ServiceServer>();
	for (let i = 0; i < SERVERS; i++) servers.push(shopServer());
	const running = () => servers.filter((s) => s.server.state() === "running");
	const seats = new Map<number, Seat>();
	const users = new Array<number>();
	const join = (userId: number, at: ServiceServer) => {
		if (at.server.state() !== "running") return;
		seats.set(userId, { at, player: at.server.addPlayer({ userId }) });
	};
	const leave = (userId: number) => {
		const seat = seats.get(userId);
		seats.delete(userId);
		if (seat !== undefined && seat.at.server.state() === "running" && seat.player.Parent !== undefined) {
			seat.at.server.removePlayer(seat.player);
		}
	};
	for (let p = 1; p <= PLAYERS; p++) {
		users.push(7000 + p);
		join(7000 + p, servers[p % SERVERS]);
	}
	invariant(
		waitUntil(() => users.every((u) => seats.get(u)!.at.service.GetPlayerData(u) !== undefined), 60),
		"the first loads did not finish",
	);
	configureFaults({
		seed,
		dataStore: GAME_DATASTORE_FAULTS,
		messaging: { lossRate: 0.1, duplicateRate: 0.1, delay: { min: 0.05, max: 1 } },
		marketplace: { unrecordedGrantRate: 0.1 },
	});

	const purchases = new Map<string, { userId: number; productId: number }>();
	let crashes = 0;
	let hops = 0;
	let trades = 0;
	let busy = 0;
	const crashAt = rng.NextNumber() < 0.75 ? rng.NextNumber(2, GAME_SECONDS - 2) : undefined;
	if (crashAt !== undefined) {
		busy += 1;
		task.delay(crashAt, () => {
			const victim = servers[rng.NextInteger(0, servers.size() - 1)];
			victim.server.crash();
			crashes += 1;
			const replacement = shopServer();
			servers[servers.indexOf(victim)] = replacement;
			for (const userId of users) {
				if (seats.get(userId)?.at !== victim) continue;
				seats.delete(userId);
				// Back a moment later, on the new server or another one.
				const delay = rng.NextNumber(0, 2);
				busy += 1;
				task.delay(delay, () => {
					const to = running();
					join(userId, to[rng.NextInteger(0, to.size() - 1)]);
					busy -= 1;
				});
			}
			busy -= 1;
		});
	}

	const began = os.clock();
	while (os.clock() - began < GAME_SECONDS) {
		task.wait(rng.NextNumber(0.2, 0.8));
		const userId = users[rng.NextInteger(0, users.size() - 1)];
		const seat = seats.get(userId);
		if (seat === undefined || seat.at.server.state() !== "running") continue;
		const roll = rng.NextNumber();
		if (roll < 0.6) {
			const productId = rng.NextNumber() < 0.5 ? 101 : 102;
			const [ok, id] = pcall(() => purchaseProduct(seat.player, productId));
			if (ok) purchases.set(id, { userId, productId });
		} else if (roll < 0.8) {
			// A trade with someone on the same server: its inbox snapshot holds the buyer's data.
			const other = users.find((u) => u !== userId && seats.get(u)?.at === seat.at);
			if (other === undefined) continue;
			trades += 1;
			seat.at.service
				.Trade(userId, other, (a, b) => [
					{ ...a, level: math.min(a.level + 1, 1000) },
					{ ...b, level: math.min(b.level + 1, 1000) },
				])
				.catch(() => undefined);
		} else {
			// A hop: gone from this server, on another a moment later.
			const to = running().filter((s) => s !== seat.at);
			if (to.size() === 0) continue;
			const target = to[rng.NextInteger(0, to.size() - 1)];
			leave(userId);
			hops += 1;
			busy += 1;
			task.delay(rng.NextNumber(0, 2), () => {
				join(userId, target.server.state() === "running" ? target : running()[0]);
				busy -= 1;
			});
		}
	}
	invariant(
		waitUntil(() => busy === 0, 60),
		"hops and crashes never ended",
	);

	// Settle without faults: a player with a purchase still unresolved rejoins (the marketplace offers it at
	// the join) until none is left; so does one who was kicked (a load that failed, or a profile opened
	// elsewhere), as a real player would, or its profile would stay locked by the crashed server.
	configureFaults({});
	let rejoins = 0;
	const away = (u: number) => {
		const seat = seats.get(u);
		return seat === undefined || seat.player.Parent === undefined || seat.at.server.state() !== "running";
	};
	const settled = waitUntil(() => {
		const pending = users.filter(
			(u) =>
				unresolvedPurchases(u).size() > 0 || away(u) || seats.get(u)!.at.service.GetPlayerData(u) === undefined,
		);
		for (const userId of pending) {
			leave(userId);
			task.wait(1);
			const to = running();
			join(userId, to[rng.NextInteger(0, to.size() - 1)]);
			rejoins += 1;
		}
		if (pending.size() > 0) task.wait(20);
		return pending.size() === 0;
	}, 900);
	invariant(
		settled,
		`purchases never resolved or players never loaded: ${users
			.filter((u) => unresolvedPurchases(u).size() > 0)
			.map((u) => `${u}: ${unresolvedPurchases(u).join(",")}`)
			.join("; ")}`,
	);

	// Everybody leaves; what the DataStore holds is the final word.
	for (const userId of users) leave(userId);
	invariant(
		waitUntil(() => users.every((u) => savedSession(u) === undefined), 120),
		`the profiles were not released: ${users
			.filter((u) => savedSession(u) !== undefined)
			.map(
				(u) =>
					`${u} held by ${savedSession(u)![1]} (servers ${servers.map((x) => `${x.server.index}=${x.server.jobId}:${x.server.state()}:${x.service.GetPlayerData(u) !== undefined}`).join(" ")})`,
			)
			.join("; ")}`,
	);
	const expected = new Map<number, number>();
	for (const userId of users) expected.set(userId, 0);
	for (const [id, { userId, productId }] of purchases) {
		const data = savedData(userId)!;
		const count = data.inventory[grantKey(id)] ?? 0;
		if (count !== 1) {
			// Which servers answered what, for the replay (the list is built only when the invariant breaks).
			const answers = receiptCalls()
				.filter((c) => c.purchaseId === id)
				.map((c) => `${c.jobId}=${c.decision}`);
			invariant(
				false,
				`purchase ${id} of ${userId} (product ${productId}) was granted ${count} times; its ProcessReceipt calls: ${answers.join(", ")}`,
			);
		}
		expected.set(userId, expected.get(userId)! + PRODUCTS.get(productId)!);
	}
	for (const userId of users) {
		const data = savedData(userId)!;
		for (const [key] of pairs(data.inventory)) {
			const purchaseId = (key as string).sub(2);
			invariant(
				(key as string).sub(1, 1) !== "r" || purchases.has(purchaseId),
				`player ${userId} holds a grant of ${purchaseId}, which nobody bought`,
			);
		}
		invariant(
			data.coins === expected.get(userId),
			`player ${userId}: ${data.coins} coins stored, ${expected.get(userId)} bought`,
		);
	}
	const calls = receiptCalls();
	return {
		purchases: purchases.size(),
		calls: calls.size(),
		notYet: calls.filter((c) => c.decision !== "PurchaseGranted").size(),
		crashes,
		hops,
		trades,
		rejoins,
	};
}

export = () => {
	describe("developer products under chaos", () => {
		for (const seed of chaosSeeds(50)) {
			it(`grants every purchase exactly once in the stored data (seed ${seed})`, () => {
				runScenario(
					seed,
					scenario,
					(s) =>
						`${s.purchases} purchases, ${s.calls} ProcessReceipt calls (${s.notYet} not granted), ${s.crashes} crashes, ${s.hops} hops, ${s.trades} trades, ${s.rejoins} settling rejoins`,
				);
			});
		}
	});
};
