import { configureFaults } from "../harness/Faults";
import { freshWorld, stopServers, savedData, savedSession, serviceServer, waitUntil } from "./support";

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("locks a profile to the server that loaded it", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(201).expect();
		task.wait(2);
		expect(savedSession(201)).to.be.ok();
		expect(savedSession(201)![1]).to.equal(a.server.jobId);
		a.service.ReleasePlayer(201).expect();
		expect(waitUntil(() => savedSession(201) === undefined, 15)).to.equal(true);
	});

	it("hands a held profile over when another server asks for it, with the holder's latest change", () => {
		const a = serviceServer();
		const b = serviceServer();
		a.service.LoadPlayerData(202).expect();
		a.service.UpdatePlayerData(202, { coins: 77 }).expect();
		const started = os.clock();
		const data = b.service.LoadPlayerData(202).expect();
		const took = os.clock() - started;
		expect(data.coins).to.equal(77);
		// Answered release request: no takeover, far below ProfileService's own ForceLoad wait. The holder's
		// release mark ends the wait; its answer (delivered in 1-2 s) is counted when it arrives.
		task.wait(3);
		expect(b.service.GetStatistics().service.releaseRequestsAnswered).to.equal(1);
		expect(b.service.GetStatistics().service.takeovers).to.equal(0);
		expect(a.service.GetStatistics().service.releasesForOthers).to.equal(1);
		expect(took < 15).to.equal(true);
		expect(a.service.GetPlayerData(202)).to.equal(undefined);
		b.service.ReleasePlayer(202).expect();
	});

	it("hands a teleporting player's profile to the target server with everything earned", () => {
		const a = serviceServer();
		const b = serviceServer();
		const player = a.server.addPlayer({ userId: 203 });
		a.service.LoadPlayerData(203).expect();
		for (let i = 1; i <= 5; i++) a.service.UpdatePlayerData(203, { coins: i * 10 }).expect();
		const started = os.clock();
		const arrived = a.server.teleport(player, b.server, { delay: 1 });
		expect(arrived).to.be.ok();
		const data = b.service.LoadPlayerData(203).expect();
		expect(data.coins).to.equal(50);
		// Unanswered release requests, then the steal once the holder's heartbeat expired (10 s).
		expect(os.clock() - started < 20).to.equal(true);
		expect(b.service.GetStatistics().service.takeovers).to.equal(0);
		b.service.ReleasePlayer(203).expect();
	});

	it("takes over the lock of a crashed holder after its silence, keeping what it had saved", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(204).expect();
		a.service.UpdatePlayerData(204, { coins: 70 }, { source: "purchase", durable: true }).expect();
		a.server.crash();
		const b = serviceServer();
		const started = os.clock();
		const data = b.service.LoadPlayerData(204).expect();
		expect(data.coins).to.equal(70);
		expect(b.service.GetStatistics().service.takeovers).to.equal(1);
		expect(b.service.GetStatistics().service.releaseRequestsAnswered).to.equal(0);
		// Two unanswered release requests of 3 s each, then the steal.
		// Unanswered release requests, then the steal once the holder's heartbeat expired (10 s).
		expect(os.clock() - started < 20).to.equal(true);
		task.wait(2);
		expect(savedSession(204)![1]).to.equal(b.server.jobId);
		b.service.ReleasePlayer(204).expect();
	});

	it("never steals from a live holder whose answers are lost: it force-loads and gets the holder's last change", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(207).expect();
		a.service.UpdatePlayerData(207, { coins: 10 }, { durable: true }).expect();
		// Not saved yet when b asks: only the holder's release save carries it.
		a.service.UpdatePlayerData(207, { coins: 55 }).expect();
		// Both ways a release request travels are lost: the messages and the MemoryStore (which also hides the
		// holder's heartbeat: alive or not is unknown, so never a steal).
		configureFaults({ messaging: { lossRate: 1 }, memoryStore: { errorRate: 1 } });
		const b = serviceServer();
		let heldByBoth = false;
		const watcher = task.spawn(() => {
			for (;;) {
				if (a.service.GetPlayerData(207) !== undefined && b.service.GetPlayerData(207) !== undefined) {
					heldByBoth = true;
				}
				task.wait(0.1);
			}
		});
		const data = b.service.LoadPlayerData(207).expect();
		task.cancel(watcher);
		configureFaults({});
		expect(data.coins).to.equal(55);
		expect(heldByBoth).to.equal(false);
		expect(a.service.GetPlayerData(207)).to.equal(undefined);
		expect(b.service.GetStatistics().service.takeovers).to.equal(1);
		b.service.ReleasePlayer(207).expect();
	});

	it("resolves a durable update only once it is saved, so a crash right after keeps it", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(205).expect();
		a.service.UpdatePlayerData(205, { gems: 5 }).expect();
		const result = a.service.UpdatePlayerData(205, { gems: 100 }, { source: "purchase", durable: true }).expect();
		expect(result.saved).to.equal(true);
		a.server.crash();
		expect(savedData(205)!.gems).to.equal(100);
		const b = serviceServer();
		expect(b.service.LoadPlayerData(205).expect().gems).to.equal(100);
		b.service.ReleasePlayer(205).expect();
	});

	it("loses a non-durable change made just before a crash (the contrast durable updates exist for)", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(206).expect();
		task.wait(1);
		a.service.UpdatePlayerData(206, { gems: 100 }).expect();
		a.server.crash();
		expect(savedData(206)!.gems).to.equal(0);
	});

	it("saves and releases every profile on BindToClose within the 30 s limit", () => {
		const a = serviceServer();
		for (let id = 301; id <= 320; id++) {
			a.service.LoadPlayerData(id).expect();
			a.service.UpdatePlayerData(id, { coins: id * 2, level: 2 }).expect();
		}
		const started = os.clock();
		expect(a.server.shutdown()).to.equal("completed");
		expect(os.clock() - started <= 30).to.equal(true);
		for (let id = 301; id <= 320; id++) {
			expect(savedData(id)!.coins).to.equal(id * 2);
			expect(savedSession(id)).to.equal(undefined);
		}
	});

	it("refuses loads once the server is closing", () => {
		const a = serviceServer();
		a.service.LoadPlayerData(330).expect();
		task.spawn(() => a.server.shutdown());
		task.wait(0.1);
		expect(a.server.state()).to.equal("closing");
		const [ok, err] = a.service.LoadPlayerData(331).await();
		expect(ok).to.equal(false);
		expect((err as { kind: string }).kind).to.equal("ShuttingDown");
	});
};
