import type * as StateSyncClientModule from "client/managers/StateSyncClient";
import type * as DataServiceModule from "server/services/DataService";
import type * as SyncModule from "server/sync";
import type * as KeyRegistryModule from "shared/protocol/KeyRegistry";
import { resetCloud } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { newServer, stopOtherServers } from "../harness/World";
import { STATE_PRIORITIES } from "./SyncFixture";

type GameData = { coins: number; gems: number; level: number; inventory: Record<string, number> };

/** One server whose DataService is the authority of the state sync, and a player with a client. */
function world() {
	const server = newServer({ runScripts: false });
	const remote = new Instance("RemoteEvent");
	remote.Name = "StateSync";
	remote.Parent = server.game.GetService("ReplicatedStorage");
	const { DataService } = server.require<typeof DataServiceModule>("ServerScriptService/TS/services/DataService");
	const { DataServiceAuthority, bindStateSync } = server.require<typeof SyncModule>("ServerScriptService/TS/sync");
	const { KeyRegistry } = server.require<typeof KeyRegistryModule>("ReplicatedStorage/TS/protocol/KeyRegistry");
	const service = server.run(() => new DataService<GameData>({ warnings: false }));
	const authority = new DataServiceAuthority<GameData>(service);
	server.run(() =>
		bindStateSync({
			authority,
			remote,
			keys: new KeyRegistry({
				// The client's check is loose on purpose: the game's schema (level 1..1000) is the last word.
				level: { clientWritable: true, validate: (v: unknown) => typeIs(v, "number") && v % 1 === 0 },
				coins: {},
			}),
		}),
	);
	const { player, client } = server.addPlayerWithClient({ userId: 4242 });
	server.run(() => service.LoadPlayerData(4242).expect());
	const { startStateSync } = client.require<typeof StateSyncClientModule>(
		"StarterPlayer/StarterPlayerScripts/TS/managers/StateSyncClient",
	);
	const manager = client.run(() => startStateSync().manager);
	task.wait(1);
	return { server, service, authority, player, client, manager };
}

export = () => {
	beforeEach(() => {
		stopOtherServers();
		configureFaults({});
		resetCloud();
	});
	afterEach(() => stopOtherServers());

	it("writes a client's accepted proposal through DataService into the profile", () => {
		const { server, service, client, manager } = world();
		const heard = new Array<string>();
		client.run(() => manager.AddChangeListener("level", (_n, _o, changeType) => heard.push(changeType)));
		client.run(() => manager.SetState("level", 7, STATE_PRIORITIES.CRITICAL));
		task.wait(2);
		expect(server.run(() => service.GetPlayerData(4242)!.level)).to.equal(7);
		expect(heard.includes("local")).to.equal(true);
		expect(heard.includes("confirmed")).to.equal(true);
	});

	it("rolls back a proposal the game's schema refuses, without touching the profile", () => {
		const { server, service, client, manager } = world();
		const heard = new Array<string>();
		client.run(() => manager.AddChangeListener("level", (_n, _o, changeType) => heard.push(changeType)));
		client.run(() => manager.SetState("level", 5000, STATE_PRIORITIES.CRITICAL));
		task.wait(2);
		expect(heard.includes("rejected")).to.equal(true);
		expect(client.run(() => manager.GetState("level"))).to.equal(1);
		expect(server.run(() => service.GetPlayerData(4242)!.level)).to.equal(1);
	});

	it("refuses a proposal for a server-only field and pushes the server's own changes", () => {
		const { server, service, authority, player, client, manager } = world();
		client.run(() => manager.SetState("coins", 1000000, STATE_PRIORITIES.CRITICAL));
		task.wait(2);
		expect(server.run(() => service.GetPlayerData(4242)!.coins)).to.equal(0);
		server.run(() => {
			service.UpdatePlayerData(4242, { coins: 25 }, { source: "quest" }).expect();
			authority.changed(player, "coins");
		});
		task.wait(2);
		expect(client.run(() => manager.GetState("coins"))).to.equal(25);
	});
};
