import type { DataAccessLayer, Lease } from "shared/core/DataAccessLayer";
import { configureFaultPlan, storedValue } from "../harness/Cloud";
import { newServer, now } from "../harness/World";
import { IsolationProbe, PROBE_KEY } from "./isolationProbe";

type DalModule = { DataAccessLayer: new (config?: object) => DataAccessLayer };

/*
 * The first of two spec files that prove each spec file starts from a clean world: this one leaves
 * behind everything a careless spec could (a server holding a MemoryStore lease it keeps renewing, a
 * Messaging subscription, a stored DataStore key, sleeping threads, a fault plan) and hands what it left
 * to FileIsolation.second, which runs next and must find none of it.
 */
export = () => {
	describe("File isolation, first file", () => {
		it("leaves a server holding a renewed lease, a subscription, a stored key and sleeping threads", () => {
			const server = newServer({ name: "left behind", runScripts: false });
			const module = server.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");
			const probe: IsolationProbe = {
				server,
				threads: [],
				heard: 0,
				leftAt: 0,
				lease: undefined as unknown as Lease,
			};
			server.run(() => {
				const dal = new module.DataAccessLayer({ locks: { leaseTime: 9 } });
				probe.lease = dal.acquireLock("isolation-lease").expect();
				server.game.GetService("MessagingService").SubscribeAsync("isolation-topic", () => (probe.heard += 1));
				server.game.GetService("DataStoreService").GetDataStore("IsolationStore").SetAsync("left", 7);
			});
			// A thread of that server and one of this spec's own server, both asleep for an hour.
			probe.threads.push(server.spawn(() => task.wait(3600)));
			probe.threads.push(task.spawn(() => task.wait(3600)));
			configureFaultPlan({ messaging: { delay: { min: 0.1, max: 0.2 } } });

			// The lease outlives three lease times only because its holder renews it.
			task.wait(30);
			const other = newServer({ runScripts: false });
			const otherDal = other.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");
			const [taken] = other.run(() => new otherDal.DataAccessLayer().acquireLock("isolation-lease", 1).await());
			expect(taken).to.equal(false);
			other.run(() => other.game.GetService("MessagingService").PublishAsync("isolation-topic", "ping"));
			task.wait(1);
			expect(probe.heard).to.equal(1);
			expect(storedValue("IsolationStore", "left")).to.equal(7);
			expect(coroutine.status(probe.threads[0])).to.equal("suspended");
			expect(coroutine.status(probe.threads[1])).to.equal("suspended");
			probe.leftAt = now();
			(__runtime as Record<string, unknown>)[PROBE_KEY] = probe;
		});
	});
};
