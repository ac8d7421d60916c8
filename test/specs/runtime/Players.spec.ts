import { newServer } from "../harness/World";

export = () => {
	describe("Players", () => {
		it("fires PlayerAdded with a Player that carries its UserId and Name", () => {
			const server = newServer({ runScripts: false });
			const players = server.game.GetService("Players");
			let added: Player | undefined;
			players.PlayerAdded.Connect((p) => {
				added = p;
			});
			const player = server.addPlayer({ userId: 1234, name: "Builderman" });
			task.wait();
			expect(added).to.equal(player);
			expect(player.UserId).to.equal(1234);
			expect(player.Name).to.equal("Builderman");
			expect(player.ClassName).to.equal("Player");
			expect(player.Parent).to.equal(players);
			server.crash();
		});

		it("refuses to let a script change a Player's UserId", () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5 });
			expect(() => {
				(player as unknown as { UserId: number }).UserId = 6;
			}).to.throw("Property is read only");
			expect(player.UserId).to.equal(5);
			server.crash();
		});

		it("GetPlayerByUserId finds a player in the server and returns nil for anyone else", () => {
			const server = newServer({ runScripts: false });
			const players = server.game.GetService("Players");
			const a = server.addPlayer({ userId: 11 });
			server.addPlayer({ userId: 12 });
			expect(players.GetPlayerByUserId(11)).to.equal(a);
			expect(players.GetPlayerByUserId(99)).to.equal(undefined);
			expect(players.GetPlayers().size()).to.equal(2);
			server.crash();
		});

		it("fires PlayerRemoving while the player is still parented, then removes it", () => {
			const server = newServer({ runScripts: false });
			const players = server.game.GetService("Players");
			const player = server.addPlayer({ userId: 21 });
			let parentDuringRemoving: Instance | undefined;
			let removing: Player | undefined;
			players.PlayerRemoving.Connect((p) => {
				removing = p;
				parentDuringRemoving = p.Parent;
			});
			server.removePlayer(player);
			expect(removing).to.equal(player);
			expect(parentDuringRemoving).to.equal(players);
			expect(player.Parent).to.equal(undefined);
			expect(players.GetPlayerByUserId(21)).to.equal(undefined);
			server.crash();
		});

		it("Kick removes the player from the server and fires PlayerRemoving", () => {
			const server = newServer({ runScripts: false });
			const players = server.game.GetService("Players");
			const player = server.addPlayer({ userId: 31 });
			let removed = false;
			players.PlayerRemoving.Connect((p) => {
				if (p === player) removed = true;
			});
			const output = new Array<string>();
			const [list, stop] = __runtime.Output.capture(true);
			player.Kick("cheating");
			stop();
			for (const o of list) output.push(o.message);
			expect(removed).to.equal(true);
			expect(player.Parent).to.equal(undefined);
			expect(server.players().size()).to.equal(0);
			expect(output.join("\n").find("cheating")[0] !== undefined).to.equal(true);
			server.crash();
		});

		it("removes every player, firing PlayerRemoving, when the server shuts down", () => {
			const server = newServer({ runScripts: false });
			const players = server.game.GetService("Players");
			server.addPlayer({ userId: 41 });
			server.addPlayer({ userId: 42 });
			const left = new Array<number>();
			players.PlayerRemoving.Connect((p) => left.push(p.UserId));
			expect(server.shutdown()).to.equal("completed");
			left.sort();
			expect(left.join(",")).to.equal("41,42");
		});
	});
};
