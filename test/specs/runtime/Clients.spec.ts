import { newServer, setScriptSource } from "../harness/World";

function addModule(parent: Instance, name: string, source: string): ModuleScript {
	const module = new Instance("ModuleScript");
	module.Name = name;
	(module as unknown as { Source: string }).Source = source;
	module.Parent = parent;
	return module;
}

export = () => {
	describe("Clients", () => {
		it("gives each client its own DataModel holding copies of the server's ReplicatedStorage", () => {
			const server = newServer({ runScripts: false });
			const shared = new Instance("Folder");
			shared.Name = "SharedThings";
			shared.SetAttribute("version", 7);
			shared.Parent = server.game.GetService("ReplicatedStorage");
			const { client } = server.addPlayerWithClient({ userId: 8001 });
			expect(client.game).never.to.equal(server.game);
			const copy = client.game.GetService("ReplicatedStorage").FindFirstChild("SharedThings");
			expect(copy).to.be.ok();
			expect(copy).never.to.equal(shared);
			expect(copy!.GetAttribute("version")).to.equal(7);
			expect(client.game.GetService("ServerStorage").GetChildren().size()).to.equal(0);
			server.shutdown();
		});

		it("reports IsClient() true and sets Players.LocalPlayer on the client", () => {
			const server = newServer({ runScripts: false });
			const { player, client } = server.addPlayerWithClient({ userId: 8002, name: "Local" });
			const [isClient, isServer, localName, localId] = client.run(() => {
				const players = client.game.GetService("Players");
				const runService = client.game.GetService("RunService");
				return [
					runService.IsClient(),
					runService.IsServer(),
					players.LocalPlayer.Name,
					players.LocalPlayer.UserId,
				];
			});
			expect(isClient).to.equal(true);
			expect(isServer).to.equal(false);
			expect(localName).to.equal("Local");
			expect(localId).to.equal(8002);
			expect(server.run(() => server.game.GetService("RunService").IsClient())).to.equal(false);
			expect(client.localPlayer).never.to.equal(player);
			server.shutdown();
		});

		it("gives a client its own module cache", () => {
			const server = newServer({ runScripts: false });
			addModule(server.game.GetService("ReplicatedStorage"), "Counter", "return { n = 0 }");
			const { client } = server.addPlayerWithClient({ userId: 8003 });
			const onServer = server.require<{ n: number }>("ReplicatedStorage/Counter");
			const onClient = client.require<{ n: number }>("ReplicatedStorage/Counter");
			onServer.n = 5;
			expect(onClient).never.to.equal(onServer);
			expect(onClient.n).to.equal(0);
			expect(client.require<{ n: number }>("ReplicatedStorage/Counter")).to.equal(onClient);
			server.shutdown();
		});

		it("copies StarterPlayerScripts into the local player's PlayerScripts", () => {
			const server = newServer({ runScripts: false });
			const starter = server.game.GetService("StarterPlayer").FindFirstChild("StarterPlayerScripts")!;
			addModule(starter, "ClientThing", "return 1");
			const { client } = server.addPlayerWithClient({ userId: 8004 });
			const playerScripts = client.localPlayer.FindFirstChild("PlayerScripts");
			expect(playerScripts).to.be.ok();
			expect(playerScripts!.FindFirstChild("ClientThing")).to.be.ok();
			server.shutdown();
		});

		it("gives a player added with client: true a client environment", () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 8006, client: true });
			const client = server.clientOf(player);
			expect(client).to.be.ok();
			expect(client!.localPlayer.UserId).to.equal(8006);
			expect(server.clientOf(server.addPlayer({ userId: 8007 }))).to.equal(undefined);
			server.shutdown();
		});

		it("starts LocalScripts from ReplicatedFirst and StarterPlayerScripts on the client only", () => {
			const server = newServer({ runScripts: false });
			const source = 'game:GetService("Players").LocalPlayer:SetAttribute(script.Name, true)';
			const first = new Instance("LocalScript");
			first.Name = "FromReplicatedFirst";
			setScriptSource(first, source);
			first.Parent = server.game.GetService("ReplicatedFirst");
			const starter = new Instance("LocalScript");
			starter.Name = "FromStarterPlayerScripts";
			setScriptSource(starter, source);
			starter.Parent = server.game.GetService("StarterPlayer").FindFirstChild("StarterPlayerScripts")!;
			const { player, client } = server.addPlayerWithClient({ userId: 8008 });
			task.wait(0.1);
			expect(client.localPlayer.GetAttribute("FromReplicatedFirst")).to.equal(true);
			expect(client.localPlayer.GetAttribute("FromStarterPlayerScripts")).to.equal(true);
			expect(player.GetAttribute("FromReplicatedFirst")).to.equal(undefined);
			server.shutdown();
		});

		it("stops the client's threads when its player leaves", () => {
			const server = newServer({ runScripts: false });
			const { player, client } = server.addPlayerWithClient({ userId: 8005 });
			let ticks = 0;
			client.spawn(() => {
				for (;;) {
					task.wait(1);
					ticks += 1;
				}
			});
			task.wait(3.5);
			expect(ticks).to.equal(3);
			server.removePlayer(player);
			task.wait(3);
			expect(ticks).to.equal(3);
			expect(client.state()).to.equal("stopped");
			server.shutdown();
		});
	});
};
