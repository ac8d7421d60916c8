import { dataStoreWrites } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import {
	freshWorld,
	GameData,
	inboxKeys,
	rejection,
	savedData,
	serviceServer,
	stopServers,
	waitUntil,
} from "./support";

const SWORD_FOR_COINS = { give: { coins: 60 }, take: { "inventory.sword": 1 } };

function swords(data: GameData | undefined): number {
	return data?.inventory.sword ?? 0;
}

/** Coins and swords of both players together: a trade moves them, never makes or destroys them. */
function totals(a: GameData, b: GameData): string {
	return `${a.coins + b.coins} coins, ${swords(a) + swords(b)} swords`;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("completes a trade with a player on another server, saving both sides and emptying both inboxes", () => {
		const a = serviceServer();
		const b = serviceServer();
		a.service.LoadPlayerData(801).expect();
		b.service.LoadPlayerData(802).expect();
		a.service.UpdatePlayerData(801, { coins: 100 }).expect();
		b.service.UpdatePlayerData(802, { inventory: { sword: 1 } }).expect();
		const result = a.service.OfferTrade(801, 802, SWORD_FOR_COINS.give, SWORD_FOR_COINS.take).expect();
		expect(result.status).to.equal("completed");
		expect(a.service.GetPlayerData(801)!.coins).to.equal(40);
		expect(swords(a.service.GetPlayerData(801))).to.equal(1);
		expect(b.service.GetPlayerData(802)!.coins).to.equal(60);
		expect(swords(b.service.GetPlayerData(802))).to.equal(0);
		expect(waitUntil(() => inboxKeys(801).size() === 0 && inboxKeys(802).size() === 0, 10)).to.equal(true);
		expect(waitUntil(() => savedData(801)!.coins === 40 && swords(savedData(801)) === 1, 40)).to.equal(true);
		expect(savedData(802)!.coins).to.equal(60);
		expect(swords(savedData(802))).to.equal(0);
		expect(a.service.GetStatistics().service.offersCompleted).to.equal(1);
		expect(a.service.GetStatistics().service.tradeOffers).to.equal(1);
	});

	it("completes a trade offered to a player of the same server through the same escrow", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(803).expect();
		service.LoadPlayerData(804).expect();
		service.UpdatePlayerData(803, { gems: 10 }).expect();
		service.UpdatePlayerData(804, { coins: 30 }).expect();
		expect(service.OfferTrade(803, 804, { gems: 10 }, { coins: 30 }).expect().status).to.equal("completed");
		expect(service.GetPlayerData(803)!.coins).to.equal(30);
		expect(service.GetPlayerData(803)!.gems).to.equal(0);
		expect(service.GetPlayerData(804)!.gems).to.equal(10);
		expect(service.GetPlayerData(804)!.coins).to.equal(0);
	});

	it("declines an offer the recipient cannot pay, or the game refuses, and refunds the offerer", () => {
		const a = serviceServer();
		const b = serviceServer({ acceptTrade: (offer) => offer.give.coins !== 13 });
		a.service.LoadPlayerData(805).expect();
		b.service.LoadPlayerData(806).expect();
		a.service.UpdatePlayerData(805, { coins: 100 }).expect();
		// 806 has no sword to pay with.
		expect(a.service.OfferTrade(805, 806, { coins: 60 }, { "inventory.sword": 1 }).expect().status).to.equal(
			"declined",
		);
		expect(a.service.GetPlayerData(805)!.coins).to.equal(100);
		expect(b.service.GetPlayerData(806)!.coins).to.equal(0);
		// The game's acceptTrade hook says no to 13 coins.
		expect(a.service.OfferTrade(805, 806, { coins: 13 }, {}).expect().status).to.equal("declined");
		expect(a.service.GetPlayerData(805)!.coins).to.equal(100);
		expect(b.service.GetPlayerData(806)!.coins).to.equal(0);
		// ... and yes to 12.
		expect(a.service.OfferTrade(805, 806, { coins: 12 }, {}).expect().status).to.equal("completed");
		expect(a.service.GetPlayerData(805)!.coins).to.equal(88);
		expect(b.service.GetPlayerData(806)!.coins).to.equal(12);
		expect(a.service.GetStatistics().service.offersDeclined).to.equal(2);
		expect(waitUntil(() => inboxKeys(805).size() === 0 && inboxKeys(806).size() === 0, 10)).to.equal(true);
	});

	it("refunds an offer to an offline player when it expires, and the recipient gets nothing later", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(807).expect();
		a.service.UpdatePlayerData(807, { coins: 100 }).expect();
		const result = a.service.OfferTrade(807, 808, { coins: 25 }, {}, { expiresIn: 10 }).expect();
		expect(result.status).to.equal("expired");
		expect(a.service.GetPlayerData(807)!.coins).to.equal(100);
		expect(waitUntil(() => savedData(807)!.coins === 100, 40)).to.equal(true);
		expect(inboxKeys(808).size()).to.equal(0);
		const b = serviceServer();
		expect(b.service.LoadPlayerData(808).expect().coins).to.equal(0);
		expect(waitUntil(() => inboxKeys(807).size() === 0, 10)).to.equal(true);
	});

	it("leaves an offer to an offline player open, and completes it when the player comes online", () => {
		seedGems(810, 5);
		const a = serviceServer();
		a.service.LoadPlayerData(809).expect();
		a.service.UpdatePlayerData(809, { coins: 100 }).expect();
		const offer = a.service.OfferTrade(809, 810, { coins: 40 }, { gems: 5 }, { expiresIn: 600, wait: 2 }).expect();
		expect(offer.status).to.equal("pending");
		// Paid into escrow already, saved with the offer.
		expect(a.service.GetPlayerData(809)!.coins).to.equal(60);
		expect(inboxKeys(810).size()).to.equal(1);
		const b = serviceServer();
		const loaded = b.service.LoadPlayerData(810).expect();
		expect(loaded.coins).to.equal(40);
		expect(loaded.gems).to.equal(0);
		expect(waitUntil(() => a.service.GetPlayerData(809)!.gems === 5, 20)).to.equal(true);
		expect(a.service.GetPlayerData(809)!.coins).to.equal(60);
		expect(waitUntil(() => inboxKeys(809).size() === 0 && inboxKeys(810).size() === 0, 20)).to.equal(true);
	});

	it("refunds an open offer of an offerer that left, on its next load after the expiry", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(811).expect();
		a.service.UpdatePlayerData(811, { coins: 50 }).expect();
		a.service.OfferTrade(811, 812, { coins: 50 }, {}, { expiresIn: 30, wait: 1 }).expect();
		a.service.ReleasePlayer(811).expect();
		expect(waitUntil(() => savedData(811)!.coins === 0, 20)).to.equal(true);
		task.wait(35);
		const c = serviceServer();
		c.service.LoadPlayerData(811).expect();
		expect(waitUntil(() => c.service.GetPlayerData(811)!.coins === 50, 20)).to.equal(true);
		expect(waitUntil(() => inboxKeys(811).size() === 0 && inboxKeys(812).size() === 0, 20)).to.equal(true);
		expect(waitUntil(() => savedData(811)!.coins === 50, 40)).to.equal(true);
	});

	it("answers many offers to one player without its claims racing each other", () => {
		// Six offerers on two servers, the recipient on a third; every message comes twice, every request
		// is slow: nudges arrive while the recipient's claim is still answering the offers it read.
		const b = serviceServer();
		const sources = [serviceServer(), serviceServer(), serviceServer()];
		const offerers = [821, 822, 823, 824, 825, 826];
		const serverOf = (id: number) => sources[id % 3];
		b.service.LoadPlayerData(820).expect();
		b.service.UpdatePlayerData(820, { gems: 100 }).expect();
		for (const id of offerers) {
			serverOf(id).service.LoadPlayerData(id).expect();
			serverOf(id).service.UpdatePlayerData(id, { coins: 50 }).expect();
		}
		configureFaults({
			dataStore: { latency: { min: 0.1, max: 0.4 } },
			messaging: { duplicateRate: 1, delay: { min: 0.05, max: 0.3 } },
		});
		const before = dataStoreWrites("DataService.Inbox").size();
		const statuses = new Array<string>();
		for (const id of offerers) {
			task.spawn(() => {
				const [ok, result] = serverOf(id)
					.service.OfferTrade(id, 820, { coins: 10 }, { gems: 1 }, { expiresIn: 60 })
					.await();
				statuses.push(ok ? result.status : (result as { message: string }).message);
			});
		}
		expect(waitUntil(() => statuses.size() === offerers.size(), 90)).to.equal(true);
		configureFaults({});
		expect(statuses.join(", ")).to.equal(offerers.map(() => "completed").join(", "));
		// "completed" is the commit; the recipient's server applies its side moments later (the offerer's claim
		// may roll the committed transaction forward before the recipient's own apply lands).
		const recipient = () => b.service.GetPlayerData(820)!;
		expect(waitUntil(() => recipient().gems === 94 && recipient().coins === 60, 10)).to.equal(true);
		// Per offer about 10: two prepares and two applies for its escrow, as many for its answer, and the
		// removal of each side's result. Claims side by side answer the same offers again and abort each
		// other's prepares (each lost prepare costs a write and its rollback).
		const writes = dataStoreWrites("DataService.Inbox").size() - before;
		expect(writes <= 12 * offerers.size()).to.equal(true);
	});

	it("still settles every offer exactly once when every message is lost", () => {
		const a = serviceServer();
		const b = serviceServer();
		a.service.LoadPlayerData(813).expect();
		b.service.LoadPlayerData(814).expect();
		a.service.UpdatePlayerData(813, { coins: 100 }).expect();
		b.service.UpdatePlayerData(814, { gems: 100 }).expect();
		configureFaults({ messaging: { lossRate: 1 } });
		const status = a.service.OfferTrade(813, 814, { coins: 10 }, { gems: 10 }, { expiresIn: 20 }).expect().status;
		configureFaults({});
		// Without any message, the recipient's server never hears of it: it expires and is refunded.
		expect(status).to.equal("expired");
		expect(a.service.GetPlayerData(813)!.coins).to.equal(100);
		expect(b.service.GetPlayerData(814)!.gems).to.equal(100);
		expect(waitUntil(() => inboxKeys(813).size() === 0 && inboxKeys(814).size() === 0, 10)).to.equal(true);
	});

	for (const crashed of ["offerer", "recipient"] as const) {
		it(`never leaves half a trade when the ${crashed}'s server crashes at any moment`, () => {
			const outcomes = crashMoments(crashed);
			// The moments cover both outcomes (a recipient that comes back in time always completes).
			const expected = crashed === "offerer" ? ["none", "whole"] : ["whole"];
			for (const outcome of expected) {
				expect(`${outcome} ${outcomes.get(outcome) !== undefined}`).to.equal(`${outcome} true`);
			}
		});
	}

	it("refuses malformed offers and offers the offerer cannot pay, changing nothing", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(815).expect();
		service.UpdatePlayerData(815, { coins: 5 }).expect();
		const kind = (give: unknown, take: unknown, options?: unknown) =>
			rejection(service.OfferTrade(815, 816, give as never, take as never, options as never)).kind;
		expect(kind({ coins: 6 }, {})).to.equal("ValidationFailed");
		expect(kind({ coins: 5 }, { "inventory.sword": -1 })).to.equal("InvalidArgument");
		expect(kind({ coins: 1.5 }, {})).to.equal("InvalidArgument");
		expect(kind({}, {})).to.equal("InvalidArgument");
		expect(kind({ inventory: 1 }, {})).to.equal("InvalidArgument");
		expect(kind({ "inventory..sword": 1 }, {})).to.equal("InvalidArgument");
		expect(kind("coins", {})).to.equal("InvalidArgument");
		expect(kind({ coins: 1 }, { level: 1000 })).to.equal("ValidationFailed");
		expect(kind({ coins: 1 }, {}, { expiresIn: -1 })).to.equal("InvalidArgument");
		expect(kind({ coins: 1 }, {}, { wait: 0 / 0 })).to.equal("InvalidArgument");
		expect(rejection(service.OfferTrade(815, 815, { coins: 1 }, {})).kind).to.equal("InvalidArgument");
		expect(rejection(service.OfferTrade(817, 815, { coins: 1 }, {})).kind).to.equal("NotLoaded");
		expect(service.GetPlayerData(815)!.coins).to.equal(5);
		expect(inboxKeys(815).size()).to.equal(0);
		expect(inboxKeys(816).size()).to.equal(0);
	});
};

/** Gives an offline player gems in its saved profile (a profile made on a server of its own, then released). */
function seedGems(userId: number, gems: number): void {
	const s = serviceServer();
	s.service.LoadPlayerData(userId).expect();
	s.service.UpdatePlayerData(userId, { gems }).expect();
	s.service.ReleasePlayer(userId).expect();
	waitUntil(() => savedData(userId)?.gems === gems, 20);
}

/**
 * Offers 60 coins for a sword across two servers and crashes one side's server at moments from the start of
 * the offer; the crashed side's player comes back on a new server. Errors on half a trade; returns how
 * often nothing or the whole trade happened.
 */
function crashMoments(crashed: "offerer" | "recipient"): Map<string, number> {
	const delays = [0, 0.05, 0.1, 0.2, 0.4, 0.7, 1, 1.5, 2.5, 4];
	const outcomes = new Map<string, number>();
	delays.forEach((delay, i) => {
		const a = 820 + i * 4 + (crashed === "offerer" ? 0 : 2);
		const b = a + 1;
		const sa = serviceServer();
		const sb = serviceServer();
		sa.service.LoadPlayerData(a).expect();
		sb.service.LoadPlayerData(b).expect();
		sa.service.UpdatePlayerData(a, { coins: 100 }, { durable: true }).expect();
		sb.service.UpdatePlayerData(b, { inventory: { sword: 1 } }, { durable: true }).expect();
		sa.server.spawn(() => {
			sa.service.OfferTrade(a, b, { coins: 60 }, { "inventory.sword": 1 }, { expiresIn: 60 });
		});
		task.wait(delay);
		(crashed === "offerer" ? sa : sb).server.crash();
		const successor = serviceServer();
		successor.service.LoadPlayerData(crashed === "offerer" ? a : b).expect();
		const holderOf = (id: number) => ((crashed === "offerer") === (id === a) ? successor : id === a ? sa : sb);
		// Past the expiry every offer is settled one way or the other.
		task.wait(65);
		const settled = waitUntil(() => inboxKeys(a).size() === 0 && inboxKeys(b).size() === 0, 30);
		const da = holderOf(a).service.GetPlayerData(a)!;
		const db = holderOf(b).service.GetPlayerData(b)!;
		const none = da.coins === 100 && swords(da) === 0 && db.coins === 0 && swords(db) === 1;
		const whole = da.coins === 40 && swords(da) === 1 && db.coins === 60 && swords(db) === 0;
		if (!settled || (!none && !whole)) {
			error(
				`${crashed} crash after ${delay} s: a=${da.coins}/${swords(da)} b=${db.coins}/${swords(db)} ` +
					`(${totals(da, db)}), inboxes ${inboxKeys(a).size()}/${inboxKeys(b).size()}`,
			);
		}
		const outcome = whole ? "whole" : "none";
		outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
		stopServers();
	});
	return outcomes;
}
