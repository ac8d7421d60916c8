import { freshWorld, serviceServer, stopServers, waitUntil } from "./support";

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("views a player held elsewhere from a cache, reads again once the holder saves, and serves held players from memory", () => {
		const holder = serviceServer();
		const viewer = serviceServer();
		holder.service.LoadPlayerData(9401).expect();
		holder.service.UpdatePlayerData(9401, { coins: 12 }, { durable: true }).expect();
		const budget = () =>
			viewer.server.run(() =>
				viewer.server.game
					.GetService("DataStoreService")
					.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetAsync),
			);
		const before = budget();
		expect(viewer.service.ViewPlayerData(9401).expect()!.coins).to.equal(12);
		for (let i = 0; i < 5; i++) expect(viewer.service.ViewPlayerData(9401).expect()!.coins).to.equal(12);
		// Six views, one GetAsync (the budget refills by about one a second: the views take no time here).
		expect(before - budget()).to.equal(1);
		// A change reaches viewers once it is saved (the view shows what the store holds).
		holder.service.UpdatePlayerData(9401, { coins: 30 }, { durable: true }).expect();
		expect(waitUntil(() => viewer.service.ViewPlayerData(9401).expect()!.coins === 30, 10)).to.equal(true);
		// Held here: memory, no request.
		expect(holder.service.ViewPlayerData(9401).expect()!.coins).to.equal(30);
		expect(viewer.service.ViewPlayerData(424242).expect()).to.equal(undefined);
		const stats = viewer.service.GetStatistics().cache;
		// Six views of 9401 before the save cost one read; after it, one more (plus the player without data).
		expect(stats.viewReads <= 4).to.equal(true);
		expect(stats.views - stats.viewReads >= 5).to.equal(true);
	});

	it("serves a held player's views from one frozen copy until the next change, and caches no held profile", () => {
		const { service } = serviceServer();
		service.LoadPlayerData(9403).expect();
		service.UpdatePlayerData(9403, { coins: 7 }).expect();
		const first = service.ViewPlayerData(9403).expect()!;
		const second = service.ViewPlayerData(9403).expect()!;
		expect(first.coins).to.equal(7);
		// One copy shared by every view: no copy per read, and no reader can change it.
		expect(first === second).to.equal(true);
		expect(table.isfrozen(first)).to.equal(true);
		expect(pcall(() => ((first as { coins: number }).coins = 99))[0]).to.equal(false);
		// GetPlayerData still hands out the caller's own copy.
		const own = service.GetPlayerData(9403)! as { coins: number };
		own.coins = 1000;
		expect(service.ViewPlayerData(9403).expect()!.coins).to.equal(7);
		// A change drops the view (the write path's cache stage): the next view shows it.
		service.IncrementPlayerData(9403, { coins: 5 }).expect();
		const after = service.ViewPlayerData(9403).expect()!;
		expect(after.coins).to.equal(12);
		expect(after === first).to.equal(false);
		// The CacheManager holds views of players not held here, never copies of held profiles.
		expect(service.GetStatistics().cache.size).to.equal(0);
	});

	it("reads the store on every view with enableCaching off", () => {
		const holder = serviceServer();
		const viewer = serviceServer({ enableCaching: false });
		holder.service.LoadPlayerData(9402).expect();
		holder.service.UpdatePlayerData(9402, { coins: 3 }, { durable: true }).expect();
		expect(viewer.service.ViewPlayerData(9402).expect()!.coins).to.equal(3);
		holder.service.UpdatePlayerData(9402, { coins: 4 }, { durable: true }).expect();
		expect(viewer.service.ViewPlayerData(9402).expect()!.coins).to.equal(4);
	});
};
