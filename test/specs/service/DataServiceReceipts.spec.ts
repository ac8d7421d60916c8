/**
 * DataService.ProcessReceipt and BindProductHandlers: Roblox's documented developer-product pattern
 * (reference/engine/classes/MarketplaceService, ProcessReceipt): the grant and its PurchaseId saved together
 * before PurchaseGranted, a recorded PurchaseId never granted again.
 */
import type { GameData } from "./support";
import { configureFaults } from "../harness/Faults";
import { storedValue } from "../harness/Cloud";
import { purchaseProduct, receiptCalls, unresolvedPurchases } from "../harness/Marketplace";
import { freshWorld, savedData, savedSession, serviceServer, stopServers, waitUntil } from "./support";

const GRANTED: Enum.ProductPurchaseDecision = Enum.ProductPurchaseDecision.PurchaseGranted;
const NOT_YET: Enum.ProductPurchaseDecision = Enum.ProductPurchaseDecision.NotProcessedYet;

function receiptOf(playerId: number, purchaseId: string, productId = 1): ReceiptInfo {
	return {
		PurchaseId: purchaseId,
		PlayerId: playerId,
		ProductId: productId,
		PlaceIdWherePurchased: 1,
		CurrencySpent: 10,
		CurrencyType: Enum.CurrencyType.Robux,
	};
}

/** The receipt history ProfileService stored for a player (read without spending budget). */
function savedReceipts(userId: number): Array<string> {
	const raw = storedValue("PlayerData", `Player_${userId}`) as { Data?: { receipts?: Array<string> } } | undefined;
	return raw?.Data?.receipts ?? [];
}

const coins100 = (data: GameData) => ({ coins: data.coins + 100 });

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("returns PurchaseGranted only once the grant and its PurchaseId are both in the DataStore", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(701).expect();
		expect(service.ProcessReceipt(receiptOf(701, "p-1"), coins100)).to.equal(GRANTED);
		// Read at the moment of the answer: what is stored, not what is in memory.
		expect(savedData(701)!.coins).to.equal(100);
		expect(savedReceipts(701).join(",")).to.equal("p-1");
		expect(service.GetPlayerData(701)!.coins).to.equal(100);
	});

	it("answers a recorded PurchaseId PurchaseGranted without granting it again", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(702).expect();
		let grants = 0;
		const grant = (data: GameData) => {
			grants += 1;
			return { coins: data.coins + 100 };
		};
		expect(service.ProcessReceipt(receiptOf(702, "p-2"), grant)).to.equal(GRANTED);
		expect(service.ProcessReceipt(receiptOf(702, "p-2"), grant)).to.equal(GRANTED);
		expect(service.ProcessReceipt(receiptOf(702, "p-3"), grant)).to.equal(GRANTED);
		expect(grants).to.equal(2);
		expect(savedData(702)!.coins).to.equal(200);
	});

	it("grants nothing again on the server a player hops to", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(703).expect();
		expect(a.service.ProcessReceipt(receiptOf(703, "p-4"), coins100)).to.equal(GRANTED);
		a.service.ReleasePlayer(703).expect();
		const b = serviceServer();
		b.service.LoadPlayerData(703).expect();
		expect(b.service.ProcessReceipt(receiptOf(703, "p-4"), coins100)).to.equal(GRANTED);
		expect(b.service.GetPlayerData(703)!.coins).to.equal(100);
	});

	it("answers NotProcessedYet while the save fails, then confirms the recorded grant instead of granting again", () => {
		const { service } = serviceServer({ operationTimeout: 3 });
		service.LoadPlayerData(704).expect();
		let grants = 0;
		const grant = (data: GameData) => {
			grants += 1;
			return { coins: data.coins + 100 };
		};
		configureFaults({ dataStore: { errorRate: { UpdateAsync: 1 }, errorCodes: [502] } });
		expect(service.ProcessReceipt(receiptOf(704, "p-5"), grant)).to.equal(NOT_YET);
		expect(savedData(704)!.coins).to.equal(0);
		// Granted in memory, with its id: the next calls wait for that save rather than granting twice.
		expect(service.GetPlayerData(704)!.coins).to.equal(100);
		configureFaults({});
		let answer: Enum.ProductPurchaseDecision | undefined;
		for (let call = 1; call <= 5; call++) {
			answer = service.ProcessReceipt(receiptOf(704, "p-5"), grant);
			if (answer === GRANTED) break;
			expect(savedData(704)!.coins).to.equal(0);
		}
		expect(answer).to.equal(GRANTED);
		expect(grants).to.equal(1);
		expect(savedData(704)!.coins).to.equal(100);
		expect(savedReceipts(704).join(",")).to.equal("p-5");
	});

	it("answers NotProcessedYet and changes nothing when the grant errors, yields or breaks the schema", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(705).expect();
		const failing = (): Partial<GameData> => error("out of stock");
		expect(service.ProcessReceipt(receiptOf(705, "p-6"), failing)).to.equal(NOT_YET);
		const yielding = (data: GameData) => {
			task.wait(1);
			return { coins: data.coins + 1 };
		};
		expect(service.ProcessReceipt(receiptOf(705, "p-6"), yielding)).to.equal(NOT_YET);
		expect(service.ProcessReceipt(receiptOf(705, "p-6"), () => ({ coins: -5 }))).to.equal(NOT_YET);
		expect(service.GetPlayerData(705)!.coins).to.equal(0);
		// Nothing recorded: the next offer of the purchase grants it.
		expect(service.ProcessReceipt(receiptOf(705, "p-6"), coins100)).to.equal(GRANTED);
		expect(savedData(705)!.coins).to.equal(100);
	});

	it("answers NotProcessedYet for a buyer who is not on this server, and loads one who is", () => {
		const { server, service } = serviceServer();
		expect(service.ProcessReceipt(receiptOf(706, "p-7"), coins100)).to.equal(NOT_YET);
		expect(service.GetPlayerData(706)).never.to.be.ok();
		server.addPlayer({ userId: 707 });
		expect(service.ProcessReceipt(receiptOf(707, "p-8"), coins100)).to.equal(GRANTED);
		expect(savedData(707)!.coins).to.equal(100);
	});

	it("releases a player who left while the join's load ran (PlayerRemoving found nothing to release)", () => {
		const { server, service } = serviceServer({ loadOnJoin: true });
		const player = server.addPlayer({ userId: 710 });
		task.wait(0.05);
		server.removePlayer(player);
		expect(waitUntil(() => savedSession(710) === undefined && savedData(710) !== undefined, 60)).to.equal(true);
		expect(service.GetPlayerData(710)).never.to.be.ok();
	});

	it("records a grant that changes no data, and keeps only the newest receiptHistorySize ids", () => {
		const { service } = serviceServer({ receiptHistorySize: 3 });
		service.LoadPlayerData(708).expect();
		expect(service.ProcessReceipt(receiptOf(708, "p-a"), () => undefined)).to.equal(GRANTED);
		for (const id of ["p-b", "p-c", "p-d"]) {
			expect(service.ProcessReceipt(receiptOf(708, id), coins100)).to.equal(GRANTED);
		}
		expect(savedReceipts(708).join(",")).to.equal("p-b,p-c,p-d");
		expect(savedData(708)!.coins).to.equal(300);
	});

	it("refuses a malformed receipt or grant at once, with a message naming the field", () => {
		const { service } = serviceServer();
		const bad = { ...receiptOf(709, "x"), PurchaseId: 5 } as unknown as ReceiptInfo;
		const [ok, err] = pcall(() => service.ProcessReceipt(bad, coins100));
		expect(ok).to.equal(false);
		expect(tostring(err).find("receipt.PurchaseId must be a non-empty string, got number", 1, true)[0]).to.be.ok();
		const [ok2, err2] = pcall(() => service.ProcessReceipt(receiptOf(709, "x"), 5 as never));
		expect(ok2).to.equal(false);
		expect(tostring(err2).find("grant must be a function, got number", 1, true)[0]).to.be.ok();
	});

	it("keeps a purchase granted once when its server crashes at any moment after a trade took its snapshot", () => {
		// ProfileService writes a key at most every 7 s, so the purchase's save lands seconds after the load
		// while the trade's inbox snapshot commits within one: crashes in between restore the data from the
		// snapshot, which must carry the PurchaseId with the coins.
		const delays = [0.5, 1, 2, 3, 4, 5, 6, 8, 10];
		for (const delay of delays) {
			freshWorld();
			const a = serviceServer();
			a.service.LoadPlayerData(711).expect();
			a.service.LoadPlayerData(712).expect();
			let answer: Enum.ProductPurchaseDecision | undefined;
			a.server.run(() =>
				task.spawn(() => {
					answer = a.service.ProcessReceipt(receiptOf(711, `p-crash-${delay}`), coins100);
				}),
			);
			const trade = a.service.Trade(711, 712, (da, db) => [
				{ ...da, level: da.level + 1 },
				{ ...db, level: db.level + 1 },
			]);
			trade.catch(() => undefined);
			task.wait(delay);
			a.server.crash();
			const b = serviceServer();
			b.service.LoadPlayerData(711).expect();
			const before = b.service.GetPlayerData(711)!.coins;
			expect(before === 0 || before === 100).to.equal(true);
			if (answer === GRANTED) expect(before).to.equal(100);
			expect(b.service.ProcessReceipt(receiptOf(711, `p-crash-${delay}`), coins100)).to.equal(GRANTED);
			const after = b.service.GetPlayerData(711)!.coins;
			if (after !== 100) error(`crash after ${delay} s: ${after} coins after the retry (${before} before it)`);
			stopServers();
		}
	});

	it("BindProductHandlers grants each product through the marketplace, exactly once, and leaves unknown ones unresolved", () => {
		const { server, service } = serviceServer({ loadOnJoin: true });
		service.BindProductHandlers({
			[11]: coins100,
			[12]: (data) => ({ inventory: { ...data.inventory, sword: (data.inventory.sword ?? 0) + 1 } }),
		});
		const player = server.addPlayer({ userId: 713 });
		expect(waitUntil(() => service.GetPlayerData(713) !== undefined, 30)).to.equal(true);
		const coinPack = purchaseProduct(player, 11);
		const sword = purchaseProduct(player, 12);
		const unknown = purchaseProduct(player, 99);
		expect(waitUntil(() => unresolvedPurchases(713).size() === 1, 60)).to.equal(true);
		expect(unresolvedPurchases(713)[0]).to.equal(unknown);
		expect(savedData(713)!.coins).to.equal(100);
		expect(savedData(713)!.inventory.sword).to.equal(1);
		const granted = receiptCalls().filter((c) => c.decision === "PurchaseGranted");
		expect(granted.some((c) => c.purchaseId === coinPack)).to.equal(true);
		expect(granted.some((c) => c.purchaseId === sword)).to.equal(true);
	});
};
