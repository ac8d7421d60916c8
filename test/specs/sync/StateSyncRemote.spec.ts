import { captureOutput } from "../harness/World";
import { withFaults } from "../harness/Faults";
import type * as StateSyncClientModule from "client/managers/startStateSync";
import { listen, requireClient, STATE_PRIORITIES } from "./SyncFixture";
import { RemoteWorld } from "./RemoteFixture";

/**
 * A player on an unreliable remote whose five pushes of coins (100 to 500) are all lost; returns the
 * world, the client, its StateManager and what a listener on coins hears from then on.
 */
function losePushes(userId: number) {
	const world = new RemoteWorld("UnreliableRemoteEvent");
	const { player, client, manager } = world.join(userId);
	task.wait(1);
	withFaults({ remotes: { unreliableLossRate: 1 } }, () => {
		for (let i = 1; i <= 5; i++) world.server.run(() => world.authority.write(player, "coins", i * 100));
		task.wait(1);
	});
	const heard = client.run(() => listen(manager, "coins"));
	return { world, client, manager, heard };
}

export = () => {
	describe("StateSync over remotes", () => {
		it("refuses to start the RemoteEvent client on the server, where FireServer cannot work", () => {
			const { startStateSync } = requireClient<typeof StateSyncClientModule>("managers/startStateSync");
			const [ok, err] = pcall(() => startStateSync({ remote: new Instance("RemoteEvent") }));
			expect(ok).to.equal(false);
			expect(tostring(err).find("[StateManager]", 1, true)[0] !== undefined).to.equal(true);
		});

		it("syncs a snapshot to a joining client and confirms an optimistic change end to end", () => {
			const world = new RemoteWorld();
			const { player, client, manager } = world.join(7101);
			task.wait(1);
			expect(client.run(() => manager.IsSynced())).to.equal(true);
			expect(client.run(() => manager.GetState("nickname"))).to.equal("anon");
			const heard = client.run(() => listen(manager, "nickname"));
			client.run(() => manager.SetState("nickname", "Runner", STATE_PRIORITIES.HIGH));
			expect(client.run(() => manager.GetState("nickname"))).to.equal("Runner");
			task.wait(1);
			expect(world.authority.read(player, "nickname").value).to.equal("Runner");
			expect(heard.size()).to.equal(2);
			expect(heard[0].changeType).to.equal("local");
			expect(heard[1].changeType).to.equal("confirmed");
			expect(client.run(() => manager.GetLevel("nickname").level)).to.equal("confirmed");
			world.stop();
		});

		it("rolls back a rejected change on the client and tells its listeners", () => {
			const world = new RemoteWorld();
			const { player, client, manager } = world.join(7102);
			task.wait(1);
			const heard = client.run(() => listen(manager, "coins"));
			client.run(() => manager.SetState("coins", 999_999, STATE_PRIORITIES.CRITICAL));
			task.wait(1);
			expect(client.run(() => manager.GetState("coins"))).to.equal(0);
			expect(heard.size()).to.equal(2);
			expect(heard[1].changeType).to.equal("rejected");
			expect(heard[1].reason).to.equal("serverOnly");
			expect(world.authority.read(player, "coins").value).to.equal(0);
			world.stop();
		});

		it("delivers a server push to the client's listeners", () => {
			const world = new RemoteWorld();
			const { player, client, manager } = world.join(7103);
			task.wait(1);
			const heard = client.run(() => listen(manager, "inventory"));
			world.server.run(() => world.authority.write(player, "inventory", ["sword", "shield"]));
			task.wait(1);
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
			expect((client.run(() => manager.GetState("inventory")) as Array<string>)[1]).to.equal("shield");
			world.stop();
		});

		it("recovers lost packets by retrying, without applying any proposal twice (40% loss, 50-300 ms latency)", () => {
			withFaults({ seed: 11, remotes: { latency: { min: 0.05, max: 0.3 }, unreliableLossRate: 0.4 } }, () => {
				const world = new RemoteWorld("UnreliableRemoteEvent");
				const { player, client, manager } = world.join(7104);
				task.wait(10);
				expect(client.run(() => manager.IsSynced())).to.equal(true);
				for (let i = 1; i <= 20; i++) {
					client.run(() => manager.SetState("nickname", `v${i}`, STATE_PRIORITIES.CRITICAL));
					task.wait(0.5);
				}
				task.wait(30);
				expect(client.run(() => manager.HasPending())).to.equal(false);
				const final = world.authority.read(player, "nickname");
				// Every version the server made came from exactly one applied proposal.
				expect(final.version).to.equal(world.authority.appliedCount());
				expect(world.bound.sync.getStats().applied).to.equal(world.authority.appliedCount());
				expect(client.run(() => manager.GetState("nickname"))).to.equal(final.value);
				expect(client.run(() => manager.GetLevel("nickname").version)).to.equal(final.version);
				expect(final.value).to.equal("v20");
				// The loss was real: acks were lost and the retried proposals were answered from the replay cache
				// (4 with this seed), and changes waiting behind a lost one coalesced (11 applied for 20 sets).
				expect(world.bound.sync.getStats().replayed > 0).to.equal(true);
				expect(world.authority.appliedCount() < 20).to.equal(true);
				world.stop();
			});
		});

		it("reconciles to the server's version after a disconnection by asking for a snapshot", () => {
			const { world, client, manager, heard } = losePushes(7105);
			expect(client.run(() => manager.GetState("coins"))).to.equal(0);
			client.run(() => manager.connect());
			task.wait(1);
			expect(client.run(() => manager.GetState("coins"))).to.equal(500);
			expect(client.run(() => manager.GetLevel("coins").version)).to.equal(5);
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
			world.stop();
		});

		it("heals pushes lost on an unreliable remote by itself, with no call from the game", () => {
			const { world, client, manager, heard } = losePushes(7107);
			expect(client.run(() => manager.GetState("coins"))).to.equal(0);
			// Nothing else is sent to it: the client's ping after 5 s of silence is what finds the hole.
			task.wait(3);
			expect(client.run(() => manager.GetState("coins"))).to.equal(0);
			task.wait(3);
			expect(client.run(() => manager.GetState("coins"))).to.equal(500);
			expect(client.run(() => manager.GetLevel("coins").version)).to.equal(5);
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
			expect(world.bound.sync.getStats().resyncs).to.equal(1);
			world.stop();
		});

		it("throttles a flooding client and keeps serving it afterwards", () => {
			const world = new RemoteWorld();
			const { player, client, manager } = world.join(7106);
			task.wait(1);
			const output = captureOutput(() => {
				client.run(() => {
					for (let i = 1; i <= 300; i++) manager.SetState("nickname", `spam${i}`, STATE_PRIORITIES.CRITICAL);
					for (let i = 1; i <= 300; i++) manager.connect();
				});
				task.wait(2);
			});
			expect(output.size()).to.equal(0);
			const stats = world.bound.sync.getStats();
			// 300 hellos and a proposal at once against a burst of 60.
			expect((stats.rejected.throttled ?? 0) >= 240).to.equal(true);
			task.wait(10);
			client.run(() => manager.SetState("nickname", "calm", STATE_PRIORITIES.CRITICAL));
			task.wait(2);
			expect(world.authority.read(player, "nickname").value).to.equal("calm");
			expect(client.run(() => manager.GetState("nickname"))).to.equal("calm");
			world.stop();
		});
	});
};
