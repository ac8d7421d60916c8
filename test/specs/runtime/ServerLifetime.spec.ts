import { newServer, now, ServerHandle } from "../harness/World";
import { withFaults } from "../harness/Faults";

type RawWorld = { onCrash(this: void, fn: (server: { index: number }) => void): void };

function ticker(server: ServerHandle): { count: number } {
	const state = { count: 0 };
	server.spawn(() => {
		for (;;) {
			task.wait(1);
			state.count += 1;
		}
	});
	return state;
}

export = () => {
	describe("Server lifetime", () => {
		it("stops every thread of a crashed server at its current yield", () => {
			const server = newServer({ runScripts: false });
			const ticks = ticker(server);
			let afterYield = false;
			server.spawn(() => {
				task.wait(10);
				afterYield = true;
			});
			task.wait(3.5);
			server.crash();
			const at = ticks.count;
			task.wait(15);
			expect(at).to.equal(3);
			expect(ticks.count).to.equal(3);
			expect(afterYield).to.equal(false);
			expect(server.state()).to.equal("crashed");
		});

		it("runs nothing after a crash that a server's own thread caused", () => {
			const server = newServer({ runScripts: false });
			let after = false;
			server.spawn(() => {
				task.wait(1);
				server.crash();
				after = true;
			});
			task.wait(3);
			expect(server.state()).to.equal("crashed");
			expect(after).to.equal(false);
		});

		it("fails a run() call whose server crashed before it finished", () => {
			const server = newServer({ runScripts: false });
			task.delay(1, () => server.crash());
			const [ok, err] = pcall(() => server.run(() => task.wait(10)));
			expect(ok).to.equal(false);
			expect(tostring(err).find("stopped before the call finished", 1, true)[0] !== undefined).to.equal(true);
			expect(server.state()).to.equal("crashed");
		});

		it("runs no BindToClose callback and no PlayerRemoving handler when a server crashes", () => {
			const server = newServer({ runScripts: false });
			server.addPlayer({ userId: 10001 });
			let closed = false;
			let removing = false;
			server.run(() => {
				server.game.BindToClose(() => (closed = true));
				server.game.GetService("Players").PlayerRemoving.Connect(() => (removing = true));
			});
			server.crash();
			task.wait(40);
			expect(closed).to.equal(false);
			expect(removing).to.equal(false);
		});

		it("keeps a MemoryStore lease of a crashed server until it expires", () => {
			const holder = newServer({ runScripts: false });
			const other = newServer({ runScripts: false });
			holder.run(() =>
				holder.game.GetService("MemoryStoreService").GetHashMap("leases").SetAsync("lock", holder.jobId, 30),
			);
			holder.crash();
			const read = () =>
				other.run(() => other.game.GetService("MemoryStoreService").GetHashMap("leases").GetAsync("lock"));
			task.wait(20);
			expect(read()).to.equal(holder.jobId);
			task.wait(11);
			expect(read()).to.equal(undefined);
			other.shutdown();
		});

		it("lands or loses, seeded, the MemoryStore writes a crashed server still had in flight", () => {
			withFaults({ seed: 11, memoryStore: { latency: { min: 2, max: 2 } } }, () => {
				const server = newServer({ runScripts: false });
				for (let i = 1; i <= 20; i++) {
					server.spawn(() =>
						server.game.GetService("MemoryStoreService").GetHashMap("in-flight").SetAsync(`k${i}`, i, 60),
					);
				}
				task.wait(0.5);
				server.crash();
				task.wait(3);
			});
			const map = game.GetService("MemoryStoreService").GetHashMap("in-flight");
			let landed = 0;
			for (let i = 1; i <= 20; i++) if (map.GetAsync(`k${i}`) !== undefined) landed += 1;
			expect(landed > 0).to.equal(true);
			expect(landed < 20).to.equal(true);
		});

		it("runs the registered crash hooks when a server crashes", () => {
			const server = newServer({ runScripts: false });
			let seen = -1;
			(__runtime.World as unknown as RawWorld).onCrash((crashed) => {
				if (crashed.index === server.index) seen = crashed.index;
			});
			server.crash();
			expect(seen).to.equal(server.index);
		});

		it("stops whatever is left of a server after shutdown, BindToClose callbacks past 30 s included", () => {
			const server = newServer({ runScripts: false });
			const ticks = ticker(server);
			let lateCallbackFinished = false;
			server.run(() =>
				server.game.BindToClose(() => {
					task.wait(40);
					lateCallbackFinished = true;
				}),
			);
			task.wait(2.5);
			const started = now();
			expect(server.shutdown()).to.equal("timed out");
			expect(math.abs(now() - started - 30) < 0.1).to.equal(true);
			const at = ticks.count;
			task.wait(20);
			expect(lateCallbackFinished).to.equal(false);
			expect(ticks.count).to.equal(at);
			expect(server.state()).to.equal("stopped");
		});

		it("crashes a server at the time the fault plan names", () => {
			const server = newServer({ runScripts: false });
			const started = now();
			withFaults({ crashes: [{ server: server.index, at: 5 }] }, () => {
				task.wait(4.5);
				expect(server.state()).to.equal("running");
				task.wait(1);
				expect(server.state()).to.equal("crashed");
			});
			expect(now() - started >= 5).to.equal(true);
		});

		it("crashes servers over time at the plan's crash rate", () => {
			const servers: Array<ServerHandle> = [];
			for (let i = 0; i < 5; i++) servers.push(newServer({ runScripts: false }));
			const immune = newServer({ runScripts: false, faultImmune: true });
			withFaults({ seed: 3, crashRate: 6 }, () => {
				task.wait(120);
			});
			for (const server of servers) expect(server.state()).to.equal("crashed");
			expect(immune.state()).to.equal("running");
			immune.shutdown();
		});

		it("skews a server's clocks by the fault plan's clockSkew for its number", () => {
			const probe = newServer({ runScripts: false });
			const nextIndex = probe.index + 1;
			probe.shutdown();
			const skew = new Map<number, number>();
			skew.set(nextIndex, 100);
			const server = withFaults({ clockSkew: skew as unknown as Record<number, number> }, () =>
				newServer({ runScripts: false }),
			);
			expect(server.index).to.equal(nextIndex);
			const difference = server.run(() => os.time()) - os.time();
			expect(math.abs(difference - 100) <= 1).to.equal(true);
			server.shutdown();
		});
	});
};
