import { configureDataStoreFaults, dataStoreWrites } from "../harness/Cloud";
import { now } from "../harness/World";
import { freshWorld, stopServers, savedData, savedSession, serviceServer, ServiceServer } from "./support";

/** The profile key's player, or undefined for other keys. */
function playerOfKey(key: string): number | undefined {
	const [digits] = key.match("^Player_(%d+)$");
	return digits !== undefined ? tonumber(digits) : undefined;
}

/** The players whose profile was written at or after `since`, in the order their first such write landed. */
function firstWritesSince(since: number): Array<number> {
	const seen = new Set<number>();
	const order = new Array<number>();
	for (const write of dataStoreWrites("PlayerData")) {
		const userId = playerOfKey(write.key);
		if (write.time < since || userId === undefined || seen.has(userId)) continue;
		seen.add(userId);
		order.push(userId);
	}
	return order;
}

/**
 * Joins each player to `s`, loads its profile and changes its coins from 0 to `coins` (unsaved worth
 * coins + 1). Waits past ProfileService's 7 s write cooldown after the loads (a release save would
 * otherwise wait for its key's cooldown, in load order) and stays before its first auto-save (30 s).
 */
function joinAndEarn(s: ServiceServer, players: ReadonlyArray<[number, number]>): void {
	// Loaded together: one after another, 30 loads took long enough (each reads the lock first) that the
	// first ones auto-saved just before the shutdown, breaking the premise above.
	const loads = players.map(([userId]) => {
		s.server.addPlayer({ userId });
		return s.service.LoadPlayerData(userId);
	});
	for (const load of loads) load.expect();
	task.wait(8);
	for (const [userId, coins] of players) s.service.UpdatePlayerData(userId, { coins }).expect();
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());
	afterAll(() => freshWorld());

	it("writes the profiles on shutdown in descending order of unsaved worth, whatever the join order", () => {
		const s = serviceServer();
		// Joined in an order unrelated to worth: 10, 5,000, 50, 100,000 and 1 coins earned.
		const players: Array<[number, number]> = [
			[711, 10],
			[712, 5000],
			[713, 50],
			[714, 100000],
			[715, 1],
		];
		joinAndEarn(s, players);
		// Every request takes the same time, so writes land in the order they were sent.
		configureDataStoreFaults({ latency: { min: 0.5, max: 0.5 } });
		const started = now();
		expect(s.server.shutdown()).to.equal("completed");
		const order = firstWritesSince(started);
		expect(order.size()).to.equal(5);
		const expected = [714, 712, 713, 711, 715];
		for (let i = 0; i < 5; i++) expect(order[i]).to.equal(expected[i]);
	});

	it("saves the most valuable profiles first when a throttled, slow DataStore cannot fit them all in 30 s", () => {
		const s = serviceServer();
		// 30 players earning 100 to 3,000 coins, joined in an order unrelated to worth.
		const players = new Array<[number, number]>();
		for (let i = 0; i < 30; i++) players.push([741 + i, (((i * 7) % 30) + 1) * 100]);
		joinAndEarn(s, players);
		configureDataStoreFaults({ latency: { min: 0.5, max: 0.5 } });
		// Spend the server's whole write budget: once the players are gone it refills at 60 a minute, so the
		// release saves get one write a second, in the order they asked.
		const dataStores = s.server.game.GetService("DataStoreService");
		const writesLeft = () => dataStores.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.SetIncrementAsync);
		s.server.run(() => {
			const drain = dataStores.GetDataStore("Drain");
			for (let i = 1; writesLeft() >= 1; i++) task.spawn(() => drain.SetAsync(`k${i}`, i));
		});
		expect(writesLeft()).to.equal(0);
		// And every request takes 20 s more, half each way: the reads take 10 s (10 writes refilled meanwhile),
		// then the i-th write lands about 10 + max(10, i) seconds in: about 20 of the 30 fit in the 30 s.
		const started = now();
		configureDataStoreFaults({
			latency: { min: 0.5, max: 0.5 },
			spikes: [{ start: started, stop: started + 120, extra: 20 }],
		});
		expect(s.server.shutdown()).to.equal("timed out");
		const saved = new Set(firstWritesSince(started));
		const byWorth = [...players].sort((a, b) => a[1] > b[1]);
		// About 20 made it (not all 30): exactly the most valuable ones, with their coins; the rest keep 0.
		expect(saved.size() >= 15).to.equal(true);
		expect(saved.size() <= 25).to.equal(true);
		byWorth.forEach(([userId, coins], rank) => {
			const made = rank < saved.size();
			expect(saved.has(userId)).to.equal(made);
			expect(savedData(userId)!.coins).to.equal(made ? coins : 0);
		});
	});

	it("releases players who leave in the same frame most valuable first, without a shutdown", () => {
		const s = serviceServer();
		const players: Array<[number, number]> = [
			[781, 300],
			[782, 20],
			[783, 9000],
			[784, 1],
		];
		joinAndEarn(s, players);
		configureDataStoreFaults({ latency: { min: 0.5, max: 0.5 } });
		const started = now();
		// Kicked together, in join order.
		s.server.run(() => {
			for (const player of s.server.players()) s.server.removePlayer(player);
		});
		task.wait(3);
		expect(s.server.state()).to.equal("running");
		const order = firstWritesSince(started);
		const expected = [783, 781, 782, 784];
		expect(order.size()).to.equal(4);
		for (let i = 0; i < 4; i++) expect(order[i]).to.equal(expected[i]);
		for (const [userId, coins] of players) {
			expect(savedData(userId)!.coins).to.equal(coins);
			expect(savedSession(userId)).to.equal(undefined);
		}
	});

	it("releases every profile on shutdown with its last change saved once, and returns when the last save lands", () => {
		const s = serviceServer();
		const players = new Array<[number, number]>();
		for (let i = 0; i < 8; i++) players.push([721 + i, (i + 1) * 37]);
		// Two more profiles held without a Player (a gift recipient, an offline trade): BindToClose alone saves them.
		for (const userId of [731, 732]) s.service.LoadPlayerData(userId).expect();
		joinAndEarn(s, players);
		for (const userId of [731, 732]) s.service.UpdatePlayerData(userId, { gems: userId }).expect();
		// A slow DataStore that still fits: each release save (an UpdateAsync, 1.5 round trips) takes 6 s.
		configureDataStoreFaults({ latency: { min: 4, max: 4 } });
		const started = now();
		expect(s.server.shutdown()).to.equal("completed");
		const took = now() - started;
		expect(took >= 6).to.equal(true);
		// Not the whole 25 s closeAll allows itself: it stops waiting once every profile is released.
		expect(took < 10).to.equal(true);
		for (const [userId, coins] of players) {
			expect(savedData(userId)!.coins).to.equal(coins);
			expect(savedSession(userId)).to.equal(undefined);
		}
		for (const userId of [731, 732]) {
			expect(savedData(userId)!.gems).to.equal(userId);
			expect(savedSession(userId)).to.equal(undefined);
		}
		// One release save per profile, none twice (PlayerRemoving and BindToClose both ask for it).
		const writes = new Map<number, number>();
		for (const write of dataStoreWrites("PlayerData")) {
			const userId = playerOfKey(write.key);
			if (write.time >= started && userId !== undefined) writes.set(userId, (writes.get(userId) ?? 0) + 1);
		}
		expect(writes.size()).to.equal(10);
		for (const [, count] of writes) expect(count).to.equal(1);
	});
};
