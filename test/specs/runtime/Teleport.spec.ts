import { newServer, now } from "../harness/World";

export = () => {
	describe("Teleport", () => {
		it("takes the player out of the source at once and into the target after the delay", () => {
			const source = newServer({ runScripts: false });
			const target = newServer({ runScripts: false });
			const player = source.addPlayer({ userId: 11001, name: "Traveller" });
			let reason: Enum.PlayerExitReason | undefined;
			source.run(() =>
				source.game
					.GetService("Players")
					.PlayerRemoving.Connect((_p, r) => (reason = r as Enum.PlayerExitReason)),
			);
			let arrivedAt = -1;
			target.run(() => target.game.GetService("Players").PlayerAdded.Connect(() => (arrivedAt = now())));
			const started = now();
			const arrived = source.teleport(player, target, { delay: 4 });
			expect(source.players().size()).to.equal(0);
			expect(arrived).to.be.ok();
			expect(arrived).never.to.equal(player);
			expect(arrived!.UserId).to.equal(11001);
			expect(arrived!.Name).to.equal("Traveller");
			expect(target.players().size()).to.equal(1);
			task.wait(0.1);
			expect(arrivedAt - started >= 4).to.equal(true);
			// Roblox has no teleport exit reason: PlayerRemoving gets the catch-all Unknown.
			expect(reason).to.equal(Enum.PlayerExitReason.Unknown);
			source.shutdown();
			target.shutdown();
		});

		it("hands the teleport data to the target through GetJoinData", () => {
			const source = newServer({ runScripts: false });
			const target = newServer({ runScripts: false });
			const player = source.addPlayer({ userId: 11002 });
			const arrived = source.teleport(player, target, { teleportData: { from: "lobby" } });
			const data = arrived!.GetJoinData().TeleportData as unknown as { from: string };
			expect(data.from).to.equal("lobby");
			source.shutdown();
			target.shutdown();
		});

		it("moves a player's client to the target", () => {
			const source = newServer({ runScripts: false });
			const target = newServer({ runScripts: false });
			const { player, client } = source.addPlayerWithClient({ userId: 11003 });
			const arrived = source.teleport(player, target, { delay: 1 });
			expect(client.state()).to.equal("stopped");
			const newClient = target.addClient(arrived!);
			expect(newClient.game).never.to.equal(client.game);
			expect(newClient.state()).to.equal("running");
			source.shutdown();
			target.shutdown();
		});

		it("lands nowhere when the target stopped during the teleport", () => {
			const source = newServer({ runScripts: false });
			const target = newServer({ runScripts: false });
			const player = source.addPlayer({ userId: 11004 });
			task.delay(1, () => target.crash());
			const arrived = source.teleport(player, target, { delay: 3 });
			expect(arrived).to.equal(undefined);
			expect(source.players().size()).to.equal(0);
			source.shutdown();
		});
	});
};
