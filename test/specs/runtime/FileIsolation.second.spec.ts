import type { DataAccessLayer } from "shared/core/DataAccessLayer";
import { faultPlan, storedValue } from "../harness/Cloud";
import { newServer, now } from "../harness/World";
import { takeProbe } from "./isolationProbe";

type DalModule = { DataAccessLayer: new (config?: object) => DataAccessLayer };
type RawWorld = { servers: Array<{ game: DataModel; state: string }> };
type RawMemoryStore = { usage: (this: void) => { memoryUsed: number } };

/*
 * Runs right after FileIsolation.first (files run in path order) and finds nothing of what it left.
 */
export = () => {
	describe("File isolation, second file", () => {
		it("starts with every server of the earlier file stopped and only its own spec server running", () => {
			const probe = takeProbe();
			expect(probe.server.state()).to.equal("stopped");
			const servers = (__runtime.World as unknown as RawWorld).servers;
			expect(servers.size()).to.equal(1);
			expect(servers[0].game).to.equal(game);
			expect(servers[0].state).to.equal("running");
		});

		it("killed the threads the earlier file left asleep instead of leaving them in the scheduler", () => {
			const probe = takeProbe();
			expect(probe.threads.size()).to.equal(2);
			for (const thread of probe.threads) expect(coroutine.status(thread)).to.equal("dead");
		});

		it("empties the MemoryStore: the renewed lease is gone and a new holder gets it at once", () => {
			takeProbe();
			expect((__runtime.MemoryStore as RawMemoryStore).usage().memoryUsed).to.equal(0);
			const server = newServer({ runScripts: false });
			const module = server.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");
			const started = now();
			const lease = server.run(() => new module.DataAccessLayer().acquireLock("isolation-lease", 1).expect());
			expect(lease.name).to.equal("isolation-lease");
			expect(now() - started < 1).to.equal(true);
			server.crash();
		});

		it("drops the earlier file's subscriptions: a message on its topic reaches nobody", () => {
			const probe = takeProbe();
			expect(probe.heard).to.equal(1);
			const server = newServer({ runScripts: false });
			server.run(() => server.game.GetService("MessagingService").PublishAsync("isolation-topic", "ping"));
			task.wait(2);
			expect(probe.heard).to.equal(1);
			server.crash();
		});

		it("empties the data stores and the fault plan", () => {
			takeProbe();
			expect(storedValue("IsolationStore", "left")).to.equal(undefined);
			expect(next(faultPlan())[0]).to.equal(undefined);
		});

		it("keeps virtual time going forward across files", () => {
			const probe = takeProbe();
			expect(probe.leftAt >= 31).to.equal(true);
			expect(now() >= probe.leftAt).to.equal(true);
		});
	});
};
