import { storedValue } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import {
	freshWorld,
	GameData,
	rejection,
	savedData,
	savedSession,
	serviceServer,
	stopServers,
	waitUntil,
	inboxSize,
} from "./support";

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	describe("transfers", () => {
		it("resolve committed with saved=false when the save is slow, never reject, and the saves land later", () => {
			const { service } = serviceServer({ operationTimeout: 2 });
			service.LoadPlayerData(9301).expect();
			service.LoadPlayerData(9302).expect();
			service.UpdatePlayerData(9301, { coins: 100 }).expect();
			// Every request takes 3 s: the transaction commits, the profiles' saves outlast operationTimeout.
			configureFaults({ dataStore: { latency: { min: 3, max: 3 } } });
			const trade = service.Trade(9301, 9302, (a, b) => [
				{ ...a, coins: 40 },
				{ ...b, coins: 60 },
			]);
			const [ok, result] = trade.await();
			expect(ok).to.equal(true);
			const outcome = result as { id: string; committed: boolean; saved: boolean };
			expect(outcome.committed).to.equal(true);
			expect(outcome.saved).to.equal(false);
			const [gifted, gift] = service.SendGift(9302, 9301, { coins: 10 }).await();
			expect(gifted).to.equal(true);
			expect((gift as { saved: boolean }).saved).to.equal(false);
			configureFaults({});
			const settled = waitUntil(() => savedData(9301)?.coins === 50 && savedData(9302)?.coins === 50, 90);
			if (!settled) {
				error(
					`held ${service.GetPlayerData(9301)!.coins}/${service.GetPlayerData(9302)!.coins}, saved ${savedData(9301)?.coins}/${savedData(9302)?.coins}`,
				);
			}
			expect(waitUntil(() => inboxSize(9301) === 0 && inboxSize(9302) === 0, 60)).to.equal(true);
		});
	});

	describe("durable updates", () => {
		it("hold no operation slot while they wait for their save", () => {
			const { service } = serviceServer({ maxConcurrentOperations: 1 });
			service.LoadPlayerData(9311).expect();
			service.LoadPlayerData(9312).expect();
			configureFaults({ dataStore: { latency: { min: 2, max: 2 } } });
			const durable = service.UpdatePlayerData(9311, { gems: 5 }, { durable: true });
			task.wait(0.1);
			const started = os.clock();
			service.UpdatePlayerData(9312, { gems: 1 }).expect();
			expect(os.clock() - started < 0.5).to.equal(true);
			expect(durable.getStatus()).to.equal(Promise.Status.Started);
			expect(durable.expect().saved).to.equal(true);
		});
	});

	describe("save marks", () => {
		it("never count another session's save marks: a durable update after a hop resolves only once saved", () => {
			const a = serviceServer();
			a.service.LoadPlayerData(9371).expect();
			for (let i = 1; i <= 6; i++) a.service.UpdatePlayerData(9371, { gems: i }, { durable: true }).expect();
			a.service.ReleasePlayer(9371).expect();
			expect(waitUntil(() => savedSession(9371) === undefined, 20)).to.equal(true);
			const b = serviceServer();
			b.service.LoadPlayerData(9371).expect();
			// The stored meta tags still name a's session at mark 6; b's marks start at 1.
			configureFaults({ dataStore: { latency: { min: 4, max: 4 } } });
			const result = b.service.UpdatePlayerData(9371, { gems: 100 }, { durable: true }).expect();
			expect(result.saved).to.equal(true);
			expect(savedData(9371)!.gems).to.equal(100);
		});
	});

	describe("storability", () => {
		it("refuses NaN, infinities and mixed tables even with validateAllWrites off, so saves keep working", () => {
			const { service, server } = serviceServer({ validateAllWrites: false });
			service.LoadPlayerData(9321).expect();
			const nan = rejection(service.UpdatePlayerData(9321, { coins: 0 / 0 }));
			expect(nan.kind).to.equal("ValidationFailed");
			expect(nan.message.find("coins")[0] !== undefined).to.equal(true);
			expect(rejection(service.UpdatePlayerData(9321, { gems: math.huge })).kind).to.equal("ValidationFailed");
			const mixed = { 1: "a", x: "b" } as unknown as Record<string, number>;
			expect(rejection(service.UpdatePlayerData(9321, { inventory: mixed })).kind).to.equal("ValidationFailed");
			expect(rejection(service.IncrementPlayerData(9321, { coins: math.huge })).kind).to.equal("InvalidArgument");
			// Off means the schema and currency rules are off: a negative balance is the game's business.
			service.UpdatePlayerData(9321, { coins: -2 }).expect();
			expect(server.shutdown()).to.equal("completed");
			expect((savedData(9321) as GameData).coins).to.equal(-2);
		});
	});

	describe("loaded profiles", () => {
		it("refuses a stored profile that breaks the schema with InvalidData and leaves it as it was, unlocked", () => {
			const writer = serviceServer({ validateAllWrites: false });
			writer.service.LoadPlayerData(9331).expect();
			writer.service.UpdatePlayerData(9331, { coins: -5, level: 0 }).expect();
			writer.service.ReleasePlayer(9331).expect();
			task.wait(3);
			const reader = serviceServer();
			const err = rejection(reader.service.LoadPlayerData(9331));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("coins")[0] !== undefined || err.message.find("level")[0] !== undefined).to.equal(
				true,
			);
			expect(reader.service.GetPlayerData(9331)).to.equal(undefined);
			// Released by the refused load (ProfileService writes a key at most every 7 s).
			expect(waitUntil(() => savedSession(9331) === undefined, 20)).to.equal(true);
			expect(savedData(9331)!.coins).to.equal(-5);
		});

		it("refuses data of a newer schema version than the server knows, leaving it untouched", () => {
			const newer = serviceServer({ migrations: [(d) => d, (d) => ({ ...d, level: 3 })] });
			newer.service.LoadPlayerData(9341).expect();
			newer.service.ReleasePlayer(9341).expect();
			task.wait(3);
			const older = serviceServer({ migrations: [(d) => d] });
			const err = rejection(older.service.LoadPlayerData(9341));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("newer")[0] !== undefined).to.equal(true);
			task.wait(3);
			const raw = storedValue("PlayerData", "Player_9341") as { Data: { v: number } };
			expect(raw.Data.v).to.equal(3);
		});
	});

	describe("messages", () => {
		it("name the argument and the type received", () => {
			const { service } = serviceServer();
			const err = rejection(service.LoadPlayerData("5001" as unknown as number));
			expect(err.kind).to.equal("InvalidArgument");
			expect(
				err.message.find('playerId must be a non%-zero whole number, got string "5001"')[0] !== undefined,
			).to.equal(true);
			const gift = rejection(service.SendGift(1, 0.5, { coins: 1 }));
			expect(gift.message.find("toId")[0] !== undefined).to.equal(true);
			expect(gift.message.find("number 0.5")[0] !== undefined).to.equal(true);
			service.LoadPlayerData(9351).expect();
			const changes = rejection(service.UpdatePlayerData(9351, "coins" as never));
			expect(changes.message.find("got string")[0] !== undefined).to.equal(true);
		});
	});

	describe("operationTimeout", () => {
		it("refuses a change that waited longer than operationTimeout for the player's lock, applying nothing", () => {
			const holder = serviceServer();
			holder.service.LoadPlayerData(9361).expect();
			// Release requests lost both ways (the message and the MemoryStore entry the holder polls).
			configureFaults({ messaging: { lossRate: 1 }, memoryStore: { errorRate: 1 } });
			const { service } = serviceServer({ operationTimeout: 3 });
			// The load waits for the live holder (release requests lost) and holds 9361's lock meanwhile.
			const load = service.LoadPlayerData(9361);
			task.wait(0.5);
			const update = service.UpdatePlayerData(9361, (d) => ({ coins: d.coins + 1 }));
			load.expect();
			const err = rejection(update);
			expect(err.kind).to.equal("TimedOut");
			expect(service.GetPlayerData(9361)!.coins).to.equal(0);
		});
	});
};
