import type { PipelineChange } from "@rbxts/roblox-data-service";
import { configureDataStoreFaults, storedValue } from "@rbxts/roblox-data-service/out/testing/Cloud";
import { purchaseProduct, receiptCalls, unresolvedPurchases } from "@rbxts/roblox-data-service/out/testing/Marketplace";
import { newServer, ServerHandle, stopOtherServers } from "@rbxts/roblox-data-service/out/testing/World";
import { COIN_PACK, CoinData } from "shared/CoinData";

// The game's own specs, on the headless runtime: every server below runs the game's scripts
// (src/server/main.server.ts) from this project's tree, with the packed library as a dependency.

type EconomyModule = typeof import("server/Economy");
type HudModule = typeof import("client/Hud");

function economyOf(server: ServerHandle): EconomyModule {
	return server.require<EconomyModule>("ServerScriptService/TS/Economy");
}

/** What the write pipeline saw on a server: coins paid as income and swords bought, by any player. */
interface Ledger {
	income: number;
	swordsBought: number;
	/** Coins granted by developer products. */
	purchased: number;
}

function watch(server: ServerHandle, ledger: Ledger): void {
	const { dataService } = economyOf(server);
	server.run(() =>
		dataService.AddStage({
			name: "ledger",
			slot: "audit",
			observe: (change: PipelineChange) => {
				const side = change.sides[0];
				const before = side.before as CoinData;
				const after = side.after as CoinData;
				if (change.context.source === "income") ledger.income += after.coins - before.coins;
				if (change.context.source === "shop") ledger.swordsBought += 1;
				if (change.context.source === "purchase") ledger.purchased += after.coins - before.coins;
			},
		}),
	);
}

function loaded(server: ServerHandle, userId: number): CoinData | undefined {
	const { dataService } = economyOf(server);
	return server.run(() => dataService.GetPlayerData(userId));
}

function waitLoaded(server: ServerHandle, userIds: Array<number>): void {
	for (let i = 0; i < 120 && !userIds.every((id) => loaded(server, id) !== undefined); i++) task.wait(0.5);
	for (const id of userIds) assert(loaded(server, id) !== undefined, `player ${id} did not load`);
}

/** The coins and swords ProfileService saved for a player (DataService's envelope in "PlayerData"). */
function saved(userId: number): CoinData {
	const raw = storedValue("PlayerData", `Player_${userId}`) as { Data: { data: CoinData } };
	return raw.Data.data;
}

/** The PurchaseIds DataService.ProcessReceipt recorded in a player's saved profile (its receipt history). */
function savedReceipts(userId: number): Array<string> {
	const raw = storedValue("PlayerData", `Player_${userId}`) as { Data: { receipts?: Array<string> } };
	return raw.Data.receipts ?? [];
}

/** Yields until `condition` holds or `limit` virtual seconds pass. */
function waitFor(condition: () => boolean, limit: number): void {
	for (let waited = 0; !condition() && waited < limit; waited += 0.5) task.wait(0.5);
}

function grantedCalls(ids: Array<string>): number {
	return receiptCalls()
		.filter((c) => c.decision === "PurchaseGranted" && ids.includes(c.purchaseId))
		.size();
}

export = () => {
	afterEach(() => {
		configureDataStoreFaults({});
		stopOtherServers();
	});

	it("pays every loaded player one coin per tick through the functional update", () => {
		const server = newServer();
		server.addPlayer({ userId: 101 });
		waitLoaded(server, [101]);
		const start = loaded(server, 101)!.coins;
		task.wait(60);
		const earned = loaded(server, 101)!.coins - start;
		// 60 s is six ticks of 10 s; the first tick may land on either side of the window's start.
		expect(earned >= 5 && earned <= 7).to.equal(true);
		server.shutdown();
	});

	it("conserves coins and swords across income, purchases, trades and gifts on two servers", () => {
		const ledger: Ledger = { income: 0, swordsBought: 0, purchased: 0 };
		const a = newServer();
		const b = newServer();
		watch(a, ledger);
		watch(b, ledger);
		const onA = [201, 202, 203];
		const onB = [204, 205];
		for (const id of onA) a.addPlayer({ userId: id });
		for (const id of onB) b.addPlayer({ userId: id });
		waitLoaded(a, onA);
		waitLoaded(b, onB);
		task.wait(300); // 30 ticks of income for everyone
		const ea = economyOf(a);
		const eb = economyOf(b);
		const rng = new Random(11);
		let trades = 0;
		let gifts = 0;
		for (let round = 0; round < 40; round++) {
			const [server, economy, ids] = round % 2 === 0 ? [a, ea, onA] : [b, eb, onB];
			const id = ids[rng.NextInteger(0, ids.size() - 1)];
			const other = ids.filter((x) => x !== id)[0];
			const anyone = [...onA, ...onB, 299][rng.NextInteger(0, onA.size() + onB.size())];
			const roll = rng.NextInteger(1, 3);
			server.run(() => {
				if (roll === 1) economy.buySword(id).await();
				else if (roll === 2 && economy.tradeSword(id, other, 5).await()[0]) trades += 1;
				else if (anyone !== id && economy.giftCoins(id, anyone, 2).await()[0]) gifts += 1;
			});
			task.wait(rng.NextNumber(0, 3));
		}
		expect(ledger.swordsBought > 0 && trades > 0 && gifts > 0).to.equal(true);
		a.shutdown();
		b.shutdown();
		// Player 299 never joined: the gifts sent to it wait in its inbox; load it to claim them.
		const c = newServer();
		c.addPlayer({ userId: 299 });
		waitLoaded(c, [299]);
		c.shutdown();
		let coins = 0;
		let swords = 0;
		for (const id of [...onA, ...onB, 299]) {
			const data = saved(id);
			coins += data.coins;
			swords += data.inventory.sword ?? 0;
		}
		expect(coins).to.equal(ledger.income - 25 * ledger.swordsBought);
		expect(swords).to.equal(ledger.swordsBought);
	});

	it("shows a client its coins through StateManager and saves the settings it changes", () => {
		const server = newServer();
		const { client } = server.addPlayerWithClient({ userId: 301 });
		waitLoaded(server, [301]);
		task.wait(25);
		const hud = client.require<HudModule>("Players/Player301/PlayerScripts/TS/Hud"); // the copy the LocalScript started;
		const shown = client.run(() => hud.manager.GetState("coins"));
		expect(shown).to.equal(loaded(server, 301)!.coins);
		client.run(() => hud.toggleMusic());
		task.wait(2);
		expect(loaded(server, 301)!.settings.music).to.equal(false);
		server.shutdown();
		expect(saved(301).settings.music).to.equal(false);
	});

	it("grants each developer product purchase exactly once, and only after its save", () => {
		const ledger: Ledger = { income: 0, swordsBought: 0, purchased: 0 };
		const server = newServer();
		watch(server, ledger);
		const player = server.addPlayer({ userId: 401 });
		waitLoaded(server, [401]);
		const ids = new Array<string>();
		for (let i = 0; i < 3; i++) {
			ids.push(server.run(() => purchaseProduct(player, COIN_PACK.productId, 99)));
			task.wait(4);
		}
		// A grant waits for ProfileService to confirm a save carrying it.
		waitFor(() => unresolvedPurchases(401).size() === 0, 60);
		expect(unresolvedPurchases(401).size()).to.equal(0);
		expect(grantedCalls(ids)).to.equal(3);
		expect(ledger.purchased).to.equal(300);
		server.shutdown();
		const data = saved(401);
		for (const id of ids) expect(savedReceipts(401).includes(id)).to.equal(true);
		expect(data.coins).to.equal(ledger.income + 300);
	});

	it("grants a purchase whose save failed once, on the player's next server", () => {
		const ledger: Ledger = { income: 0, swordsBought: 0, purchased: 0 };
		const a = newServer();
		watch(a, ledger);
		const player = a.addPlayer({ userId: 402 });
		waitLoaded(a, [402]);
		// Every save fails: the grant is recorded in memory but not confirmed, so the answer is NotProcessedYet.
		configureDataStoreFaults({ errorRate: { UpdateAsync: 1, SetAsync: 1 } });
		const id = a.run(() => purchaseProduct(player, COIN_PACK.productId, 99));
		task.wait(40);
		expect(grantedCalls([id])).to.equal(0);
		expect(unresolvedPurchases(402).size()).to.equal(1);
		configureDataStoreFaults({});
		a.removePlayer(player);
		task.wait(10);
		const b = newServer();
		watch(b, ledger);
		b.addPlayer({ userId: 402 }); // Roblox offers the unresolved purchase again on join
		waitLoaded(b, [402]);
		waitFor(() => unresolvedPurchases(402).size() === 0, 60);
		expect(unresolvedPurchases(402).size()).to.equal(0);
		expect(grantedCalls([id])).to.equal(1);
		expect(ledger.purchased).to.equal(100);
		a.shutdown();
		b.shutdown();
		const data = saved(402);
		expect(savedReceipts(402).includes(id)).to.equal(true);
		expect(data.coins).to.equal(ledger.income + 100);
	});
};
