import { storedValue } from "../harness/Cloud";
import { freshWorld, stopServers, GameData, rejection, savedData, serviceServer, waitUntil } from "./support";

function inboxSize(userId: number): number {
	const raw = storedValue("DataService.Inbox", tostring(userId)) as { d?: { e?: object } } | undefined;
	let n = 0;
	if (raw?.d?.e !== undefined) for (const [_] of pairs(raw.d.e)) n += 1;
	return n;
}

/** A pays 60 coins for B's sword. */
function swordForCoins(a: GameData, b: GameData): [GameData, GameData] {
	const aInventory = { ...a.inventory, sword: (a.inventory.sword ?? 0) + 1 };
	const bInventory = { ...b.inventory, sword: (b.inventory.sword ?? 0) - 1 };
	return [
		{ ...a, coins: a.coins - 60, inventory: aInventory },
		{ ...b, coins: b.coins + 60, inventory: bInventory },
	];
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("trades between two players of one server, saves both and empties both inboxes", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(501).expect();
		service.LoadPlayerData(502).expect();
		service.UpdatePlayerData(501, { coins: 100 }).expect();
		service.UpdatePlayerData(502, { inventory: { sword: 1 } }).expect();
		service.Trade(501, 502, swordForCoins).expect();
		expect(service.GetPlayerData(501)!.coins).to.equal(40);
		expect(service.GetPlayerData(501)!.inventory.sword).to.equal(1);
		expect(service.GetPlayerData(502)!.coins).to.equal(60);
		expect(service.GetPlayerData(502)!.inventory.sword).to.equal(0);
		expect(savedData(501)!.coins).to.equal(40);
		expect(savedData(502)!.coins).to.equal(60);
		expect(inboxSize(501)).to.equal(0);
		expect(inboxSize(502)).to.equal(0);
		expect(service.GetStatistics().service.trades).to.equal(1);
	});

	it("refuses a trade that would leave a player with negative coins or items, changing nothing", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(503).expect();
		service.LoadPlayerData(504).expect();
		service.UpdatePlayerData(503, { coins: 10 }).expect();
		service.UpdatePlayerData(504, { inventory: { sword: 1 } }).expect();
		expect(rejection(service.Trade(503, 504, swordForCoins)).kind).to.equal("ValidationFailed");
		service.UpdatePlayerData(503, { coins: 100 }).expect();
		service.UpdatePlayerData(504, { inventory: {} }).expect();
		expect(rejection(service.Trade(503, 504, swordForCoins)).kind).to.equal("ValidationFailed");
		expect(service.GetPlayerData(503)!.coins).to.equal(100);
		expect(inboxSize(503)).to.equal(0);
		expect(rejection(service.Trade(503, 505, swordForCoins)).kind).to.equal("NotLoaded");
		expect(rejection(service.Trade(503, 503, swordForCoins)).kind).to.equal("InvalidArgument");
	});

	it("keeps a trade all-or-nothing when the server crashes at any moment of it", () => {
		const delays = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2, 3, 5];
		const outcomes = new Map<string, number>();
		delays.forEach((delay, i) => {
			const a = 600 + i * 2;
			const b = a + 1;
			const holder = serviceServer();
			holder.service.LoadPlayerData(a).expect();
			holder.service.LoadPlayerData(b).expect();
			holder.service.UpdatePlayerData(a, { coins: 100 }, { durable: true }).expect();
			holder.service.UpdatePlayerData(b, { inventory: { sword: 1 } }, { durable: true }).expect();
			holder.server.spawn(() => {
				holder.service.Trade(a, b, swordForCoins).catch(() => undefined);
			});
			task.wait(delay);
			holder.server.crash();
			const successor = serviceServer();
			const da = successor.service.LoadPlayerData(a).expect();
			const db = successor.service.LoadPlayerData(b).expect();
			const before =
				da.coins === 100 && db.coins === 0 && da.inventory.sword === undefined && db.inventory.sword === 1;
			const after = da.coins === 40 && db.coins === 60 && da.inventory.sword === 1 && db.inventory.sword === 0;
			if (!before && !after) {
				error(
					`crash after ${delay} s left a half trade: a=${da.coins}/${da.inventory.sword} b=${db.coins}/${db.inventory.sword}`,
				);
			}
			const outcome = before ? "none" : "whole";
			outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
			// Loading again elsewhere applies nothing twice.
			successor.service.ReleasePlayer(a).expect();
			successor.service.ReleasePlayer(b).expect();
			const third = serviceServer();
			expect(third.service.LoadPlayerData(a).expect().coins).to.equal(da.coins);
			expect(third.service.LoadPlayerData(b).expect().coins).to.equal(db.coins);
			expect(inboxSize(a)).to.equal(0);
			expect(inboxSize(b)).to.equal(0);
			stopServers();
		});
		// The moments cover both outcomes: crashes before the commit and after it.
		expect(outcomes.get("none") !== undefined).to.equal(true);
		expect(outcomes.get("whole") !== undefined).to.equal(true);
	});

	it("delivers a gift to an offline player exactly once, on its next loads", () => {
		const sender = serviceServer();
		sender.service.LoadPlayerData(701).expect();
		sender.service.UpdatePlayerData(701, { coins: 100 }).expect();
		sender.service.SendGift(701, 702, { coins: 30 }).expect();
		expect(sender.service.GetPlayerData(701)!.coins).to.equal(70);
		expect(savedData(701)!.coins).to.equal(70);
		expect(inboxSize(702)).to.equal(1);
		const first = serviceServer();
		expect(first.service.LoadPlayerData(702).expect().coins).to.equal(30);
		expect(inboxSize(702)).to.equal(0);
		first.service.ReleasePlayer(702).expect();
		const second = serviceServer();
		expect(second.service.LoadPlayerData(702).expect().coins).to.equal(30);
	});

	it("delivers a gift to a player on another server while it plays", () => {
		const a = serviceServer();
		const b = serviceServer();
		a.service.LoadPlayerData(703).expect();
		b.service.LoadPlayerData(704).expect();
		a.service.UpdatePlayerData(703, { gems: 50 }).expect();
		a.service.SendGift(703, 704, { gems: 25 }).expect();
		expect(waitUntil(() => b.service.GetPlayerData(704)!.gems === 25, 10)).to.equal(true);
		expect(waitUntil(() => inboxSize(704) === 0, 10)).to.equal(true);
		expect(savedData(704)!.gems).to.equal(25);
		expect(a.service.GetPlayerData(703)!.gems).to.equal(25);
	});

	it("refuses gifts the sender cannot afford and malformed amounts", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(705).expect();
		service.UpdatePlayerData(705, { coins: 5 }).expect();
		expect(rejection(service.SendGift(705, 706, { coins: 6 })).kind).to.equal("ValidationFailed");
		expect(rejection(service.SendGift(705, 706, { coins: -1 })).kind).to.equal("InvalidArgument");
		expect(rejection(service.SendGift(705, 706, { coins: 1.5 })).kind).to.equal("InvalidArgument");
		expect(rejection(service.SendGift(705, 706, { inventory: 1 })).kind).to.equal("InvalidArgument");
		expect(service.GetPlayerData(705)!.coins).to.equal(5);
		expect(inboxSize(706)).to.equal(0);
	});

	it("refuses transfers and durable saves from a server whose profile was taken over behind its back", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(707).expect();
		a.service.UpdatePlayerData(707, { coins: 100 }, { durable: true }).expect();
		// The holder goes deaf and silent (no release answers, no heartbeat) but keeps running: the next
		// loader takes it for dead and steals the lock, while the holder still thinks it holds the profile.
		a.service.destroy();
		task.wait(11);
		// Short release waits: the steal must land before a's next auto-save (30 s after its load) finds the
		// lock gone and releases on its own, which would end the stale session this spec is about.
		const b = serviceServer({ ackTimeout: 2 });
		expect(b.service.LoadPlayerData(707).expect().coins).to.equal(100);
		expect(a.service.GetPlayerData(707)).never.to.equal(undefined);
		expect(rejection(a.service.SendGift(707, 708, { coins: 60 })).kind).to.equal("NotLoaded");
		expect(inboxSize(708)).to.equal(0);
		expect(a.service.GetStatistics().service.lostSessions).to.equal(1);
		const health = a.service.GetHealthStatus();
		expect(health.issues.some((issue) => issue.find("taken over", 1, true)[0] !== undefined)).to.equal(true);
		expect(health.score < 100).to.equal(true);
		expect(a.service.GetPlayerData(707)).to.equal(undefined);
		// Nothing of the stale server reached the new holder, which still has its 100 coins to give.
		b.service.SendGift(707, 708, { coins: 60 }).expect();
		expect(b.service.GetPlayerData(707)!.coins).to.equal(40);
	});

	it("acknowledges a purchase on a server losing the profile only if the new holder has it", () => {
		const outcomes = new Array<string>();
		// The purchase starts that many seconds after the new holder began taking the profile over (about
		// 10 s: the old holder's heartbeat must expire first), or once the new holder saved marks.
		const moments: Array<number | "marks"> = [0, 3, 6, 9, 15, "marks"];
		moments.forEach((moment, i) => {
			const userId = 740 + i;
			const a = serviceServer();
			a.service.LoadPlayerData(userId).expect();
			// The holder goes deaf and silent but keeps running, as in the spec above; its next auto-save,
			// 30 s after its load, is when it would learn that it lost the profile.
			a.service.destroy();
			const b = serviceServer();
			let marked = false;
			b.server.spawn(() => {
				b.service.LoadPlayerData(userId).await();
				// Marks 1, 2 and 3 of the new session, saved together: numbered like the old session's marks
				// (the purchase is its mark 1), so a mark counts only with the session's token.
				const marks = [1, 2, 3].map((n) => b.service.UpdatePlayerData(userId, { coins: n }, { durable: true }));
				Promise.all(marks).await();
				marked = true;
			});
			if (moment === "marks") expect(waitUntil(() => marked, 60)).to.equal(true);
			else task.wait(moment);
			// The old holder, still believing it holds the profile, takes a purchase ...
			const purchase = a.service.UpdatePlayerData(userId, { gems: 500 }, { durable: true });
			// ... judged only once the new holder's marks are saved and the purchase settled.
			expect(waitUntil(() => marked, 60)).to.equal(true);
			const [acknowledged] = purchase.await();
			const held = b.service.GetPlayerData(userId)!.gems;
			const saved = savedData(userId)!.gems;
			if (acknowledged && (held !== 500 || saved !== 500)) {
				error(`${moment}: an acknowledged purchase is missing (held ${held}, saved ${saved})`);
			}
			if (!acknowledged && held === 500) error(`${moment}: a refused purchase was kept`);
			outcomes.push(`${moment}: ${acknowledged ? "kept" : "refused"}`);
			stopServers();
		});
		// Both happen: before the takeover the purchase is saved, after it it is refused.
		expect(outcomes.join(", ").find("kept", 1, true)[0] !== undefined).to.equal(true);
		expect(outcomes[outcomes.size() - 1]).to.equal("marks: refused");
	});
};
