import type { PipelineChange } from "server/services/DataService";
import type { ProposeMessage, ServerMessage } from "shared/protocol/Messages";
import { resetCloud } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { stopOtherServers } from "../harness/World";
import { dataServiceSyncServer, startClient } from "./DataServiceFixture";
import { STATE_PRIORITIES } from "./SyncFixture";

export = () => {
	beforeEach(() => {
		stopOtherServers();
		configureFaults({});
		resetCloud();
	});
	afterEach(() => stopOtherServers());

	it("applies a request id sent twice while the player's lock is held (an inbox claim) exactly once", () => {
		const { server, service, sync } = dataServiceSyncServer();
		const player = server.addPlayer({ userId: 4301 });
		server.run(() => service.LoadPlayerData(4301).expect());
		server.run(() => service.LoadPlayerData(4302).expect());
		server.run(() => service.UpdatePlayerData(4302, { coins: 50 }).expect());
		const proposals = new Array<PipelineChange>();
		const answers = new Array<ServerMessage>();
		const proposal: ProposeMessage = { type: "propose", v: 2, id: 1, key: "level", value: 9, base: 0 };
		let sent = false;
		server.run(() =>
			service.AddStage({
				name: "spy",
				slot: "audit",
				observe: (change) => {
					if (change.kind === "syncProposal") proposals.push(change);
					// Under 4301's lock, while its claim still has to save: the client's request arrives, then its retry.
					if (change.kind === "delivery" && !sent) {
						sent = true;
						sync.receive(player, proposal);
						task.delay(0.5, () => sync.receive(player, proposal));
					}
				},
			}),
		);
		const original = (sync as unknown as { send: (p: Player, m: ServerMessage) => void }).send;
		(sync as unknown as { send: (p: Player, m: ServerMessage) => void }).send = (p, m) => {
			if (m.type === "ack" || m.type === "reject") answers.push(m);
			original(p, m);
		};
		// Every request takes 0.5 s: the claim holds the lock for seconds.
		configureFaults({ dataStore: { latency: { min: 0.5, max: 0.5 } } });
		server.run(() => service.SendGift(4302, 4301, { coins: 10 }).expect());
		task.wait(6);
		configureFaults({});
		// The client's next retry gets the outcome.
		server.run(() => sync.receive(player, proposal));
		task.wait(1);
		expect(proposals.size()).to.equal(1);
		expect(server.run(() => service.GetPlayerData(4301)!.level)).to.equal(9);
		expect(answers.size() >= 2).to.equal(true);
		const last = answers[answers.size() - 1];
		expect(last.type).to.equal("ack");
		// Busy answers said throttled (not applied, retry), never invalidValue.
		for (const answer of answers) {
			if (answer.type === "reject") expect(answer.reason).to.equal("throttled");
		}
	});

	it("tells the client its change is saved once a save carrying it reaches the DataStore", () => {
		const { server, service } = dataServiceSyncServer();
		const { client } = server.addPlayerWithClient({ userId: 4311 });
		server.run(() => service.LoadPlayerData(4311).expect());
		const manager = startClient(client);
		task.wait(1);
		client.run(() => manager.SetState("level", 7, STATE_PRIORITIES.CRITICAL));
		task.wait(2);
		expect(client.run(() => manager.GetState("level", "confirmed"))).to.equal(7);
		expect(client.run(() => manager.GetState("level", "saved"))).never.to.equal(7);
		// ProfileService's auto-save (every 30 s) carries the change.
		task.wait(40);
		expect(client.run(() => manager.GetState("level", "saved"))).to.equal(7);
	});
};
