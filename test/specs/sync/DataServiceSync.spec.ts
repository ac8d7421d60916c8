import { resetCloud } from "../harness/Cloud";
import { configureFaults, withFaults } from "../harness/Faults";
import { stopOtherServers } from "../harness/World";
import { dataServiceSyncServer, startClient } from "./DataServiceFixture";
import { STATE_PRIORITIES } from "./SyncFixture";

/** One server whose DataService is the authority of the state sync, and a player with a client. */
function world() {
	const { server, service, authority } = dataServiceSyncServer();
	const { player, client } = server.addPlayerWithClient({ userId: 4242 });
	server.run(() => service.LoadPlayerData(4242).expect());
	const manager = startClient(client);
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

	it("refuses a proposal made from a version the server changed meanwhile, keeping the server's value", () => {
		const { server, service, authority, player, client, manager } = world();
		const heard = new Array<{ changeType: string; reason?: string }>();
		client.run(() =>
			manager.AddChangeListener("level", (_n, _o, changeType, info) =>
				heard.push({ changeType, reason: info.reason }),
			),
		);
		// Each way takes 0.5 s: the server's push and the client's proposal (from version 0) cross on the wire.
		withFaults({ remotes: { latency: { min: 0.5, max: 0.5 } } }, () => {
			server.run(() => {
				service.UpdatePlayerData(4242, { level: 50 }, { source: "quest" }).expect();
				authority.changed(player, "level");
			});
			client.run(() => manager.SetState("level", 7, STATE_PRIORITIES.CRITICAL));
			task.wait(3);
		});
		expect(server.run(() => service.GetPlayerData(4242)!.level)).to.equal(50);
		expect(client.run(() => manager.GetState("level"))).to.equal(50);
		expect(client.run(() => manager.GetLevel("level").version)).to.equal(1);
		const rejected = heard.filter((h) => h.changeType === "rejected");
		expect(rejected.size()).to.equal(1);
		expect(rejected[0].reason).to.equal("conflict");
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
