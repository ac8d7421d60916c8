import type { ProfileViewError } from "server/services/data/ProfileViews";
import { configureDataStoreFaults, resetCloud } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { now, stopOtherServers } from "../harness/World";
import { Data, save, view, viewServer } from "./ProfileViewsFixture";

function rejection(promise: Promise<unknown>): ProfileViewError {
	const [ok, err] = promise.await();
	if (ok) error("expected the view to reject");
	return err as ProfileViewError;
}

export = () => {
	beforeEach(() => {
		stopOtherServers();
		configureFaults({});
		resetCloud();
	});
	afterEach(() => {
		stopOtherServers();
		configureFaults({});
		resetCloud();
	});

	describe("views of players this server does not hold", () => {
		it("serves 200 views of 5 players on two servers with 10 DataStore reads", () => {
			const a = viewServer();
			const b = viewServer();
			for (let id = 1; id <= 5; id++) save(a.server, id, { version: 1, coins: id * 10 });
			for (let round = 1; round <= 20; round++) {
				for (let id = 1; id <= 5; id++) {
					expect(view(a, id)!.coins).to.equal(id * 10);
					expect(view(b, id)!.coins).to.equal(id * 10);
				}
			}
			expect(a.requests() + b.requests()).to.equal(10);
			const stats = b.views.getStats();
			expect(stats.views).to.equal(100);
			expect(stats.hits).to.equal(95);
			expect(stats.reads).to.equal(5);
			expect(stats.saved).to.equal(95);
		});

		it("carries a save on one server to the other's views through MessagingService", () => {
			const a = viewServer();
			const b = viewServer();
			save(a.server, 7, { version: 1, coins: 10 });
			expect(view(b, 7)!.version).to.equal(1);
			save(a.server, 7, { version: 2, coins: 20 });
			a.views.invalidate(7);
			// The batch closes after 1 s, the publish takes up to 0.05 s, delivery 1-2 s: up to 3.05 s in all.
			task.wait(3.5);
			expect(b.views.getStats().invalidationsReceived).to.equal(1);
			expect(view(b, 7)!.version).to.equal(2);
			expect(b.requests()).to.equal(2);
			expect(a.views.getStats().invalidationsReceived).to.equal(0); // its own message is ignored
		});

		it("gathers the invalidations of a second into messages of at most 60 players", () => {
			const a = viewServer();
			const b = viewServer();
			for (let id = 1; id <= 130; id++) a.views.invalidate(id);
			expect(a.views.getStats().messagesSent).to.equal(0); // nothing sent before the second is over
			// The batch closes after 1 s; MessagingService delivers within 1-2 s of the publish.
			task.wait(4);
			expect(a.views.getStats().messagesSent).to.equal(3);
			expect(a.views.getStats().invalidationsSent).to.equal(130);
			expect(b.views.getStats().invalidationsReceived).to.equal(130);
		});

		it("bounds staleness by the TTL when the invalidation is lost", () => {
			const a = viewServer();
			const b = viewServer(10, { ttl: 20 });
			save(a.server, 7, { version: 1, coins: 10 });
			expect(view(b, 7)!.version).to.equal(1);
			const cachedAt = now();
			configureFaults({ messaging: { lossRate: 1 } });
			save(a.server, 7, { version: 2, coins: 20 });
			a.views.invalidate(7);
			task.wait(cachedAt + 19 - now());
			expect(view(b, 7)!.version).to.equal(1); // stale, within the 20 s bound
			task.wait(cachedAt + 20.5 - now());
			expect(view(b, 7)!.version).to.equal(2);
			expect(b.views.getStats().invalidationsReceived).to.equal(0);
		});

		it("lets views made during a read wait for it instead of reading again", () => {
			const a = viewServer();
			save(a.server, 3, { version: 1, coins: 5 });
			configureDataStoreFaults({ latency: { min: 2, max: 2 } });
			const results = new Array<number>();
			for (let i = 1; i <= 10; i++) {
				task.spawn(() => results.push(view(a, 3)!.coins));
			}
			task.wait(3);
			expect(results.size()).to.equal(10);
			expect(a.requests()).to.equal(1);
			const stats = a.views.getStats();
			expect(stats.joined).to.equal(9);
			expect(stats.saved).to.equal(9);
		});

		it("returns a read that was in flight when the data changed, but does not cache it", () => {
			const a = viewServer();
			save(a.server, 4, { version: 1, coins: 1 });
			configureDataStoreFaults({ latency: { min: 2, max: 2 } });
			let first: Data | undefined;
			task.spawn(() => (first = view(a, 4))); // the read takes 2 s
			task.spawn(() => save(a.server, 4, { version: 2, coins: 2 })); // so does the save
			task.wait(1);
			a.views.invalidate(4); // the change is announced while the read is in flight
			expect(first).to.equal(undefined);
			task.wait(2);
			expect(first).to.be.ok();
			configureDataStoreFaults({});
			expect(view(a, 4)!.version).to.equal(2); // read again: the first result was not cached
			expect(a.requests()).to.equal(2);
		});

		it("serves frozen views: a caller cannot change what others are served", () => {
			const a = viewServer();
			save(a.server, 5, { version: 1, coins: 50 });
			const data = view(a, 5)!;
			const [ok] = pcall(() => {
				(data as { coins: number }).coins = 999999;
			});
			expect(ok).to.equal(false);
			expect(view(a, 5)!.coins).to.equal(50);
		});

		it("caches a player without data as absent", () => {
			const a = viewServer();
			for (let i = 1; i <= 3; i++) expect(view(a, 404)).to.equal(undefined);
			expect(a.requests()).to.equal(1);
		});

		it("rejects a bad user id and a failed read with typed errors, caching nothing", () => {
			const a = viewServer();
			const bad = rejection(a.views.get(1.5));
			expect(bad.kind).to.equal("InvalidArgument");
			expect(bad.message).to.equal("userId must be a positive whole number, got number 1.5");
			save(a.server, 6, { version: 1, coins: 6 });
			configureDataStoreFaults({ errorRate: { GetAsync: 1 }, errorCodes: [502] });
			const failed = rejection(a.views.get(6));
			expect(failed.kind).to.equal("ReadFailed");
			expect(failed.message.find("reading the profile of player 6 failed", 1, true)[0]).to.equal(1);
			configureDataStoreFaults({});
			expect(view(a, 6)!.coins).to.equal(6);
			expect(a.views.getStats().readFailures).to.equal(1);
		});

		it("stops hearing invalidations once destroyed", () => {
			const a = viewServer();
			const b = viewServer();
			save(a.server, 8, { version: 1, coins: 8 });
			view(b, 8);
			b.views.destroy();
			save(a.server, 8, { version: 2, coins: 9 });
			a.views.invalidate(8);
			task.wait(3);
			expect(b.views.getStats().invalidationsReceived).to.equal(0);
			expect(view(b, 8)!.version).to.equal(1);
		});
	});

	describe("two servers for 20 minutes, 20% of messages lost", () => {
		it("never serves a view older than the TTL allows, and counts the reads it saves", () => {
			const TTL = 30;
			const PLAYERS = 40;
			const holder = viewServer(20);
			const viewer = viewServer(20, { ttl: TTL });
			configureFaults({ seed: 20, messaging: { lossRate: 0.2, delay: { min: 0.5, max: 2 } } });
			configureDataStoreFaults({ latency: { min: 0.05, max: 0.3 } });
			const random = new Random(2026);
			// The ledger: each player's saved versions, with the time each save completed.
			const history = new Map<number, Array<[number, number]>>();
			for (let id = 1; id <= PLAYERS; id++) {
				save(holder.server, id, { version: 1, coins: 0 });
				history.set(id, [[now(), 1]]);
			}
			const stop = now() + 20 * 60;
			let saves = 0;
			let running = true;
			// The holder saves a random player about every 2 s and invalidates its views.
			task.spawn(() => {
				while (now() < stop) {
					const id = random.NextInteger(1, PLAYERS);
					const versions = history.get(id)!;
					const version = versions[versions.size() - 1][1] + 1;
					save(holder.server, id, { version, coins: version * 3 });
					versions.push([now(), version]);
					holder.views.invalidate(id);
					saves += 1;
					task.wait(random.NextNumber(1, 3));
				}
				running = false;
			});
			let views = 0;
			let stale = 0;
			let violations = 0;
			while (running) {
				// Popular players are viewed more: the square of a uniform draw favours low ids.
				const id = math.max(1, math.ceil(PLAYERS * random.NextNumber() ** 2));
				const asked = now();
				const data = view(viewer, id)!;
				views += 1;
				const versions = history.get(id)!;
				// The newest version saved before (asked - TTL - 1) must be visible: read latency under 1 s.
				let required = 1;
				let newest = 1;
				for (const [at, version] of versions) {
					if (at <= asked - TTL - 1) required = version;
					if (at <= asked) newest = version;
				}
				if (data.version < required) violations += 1;
				if (data.version < newest) stale += 1;
				task.wait(0.5);
			}
			const stats = viewer.views.getStats();
			print(
				`20 min: ${views} views, ${viewer.requests()} DataStore reads (${stats.saved} saved, ${math.floor(
					(stats.saved / views) * 100,
				)}%), ${saves} saves, ${stats.invalidationsReceived} invalidations received of ${saves}, ${stale} stale views`,
			);
			expect(violations).to.equal(0);
			expect(stats.views).to.equal(views);
			expect(viewer.requests()).to.equal(stats.reads);
			expect(stats.saved / views >= 0.5).to.equal(true);
			expect(stats.invalidationsReceived > saves * 0.6).to.equal(true);
			expect(stats.invalidationsReceived < saves).to.equal(true);
			expect(stale > 0).to.equal(true); // lost messages did leave views stale, within the bound
		});
	});
};
