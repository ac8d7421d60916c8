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
