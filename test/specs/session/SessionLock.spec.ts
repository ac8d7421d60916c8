import type { DataService } from "server/services/DataService";
import { countRequests } from "../../../bench/specs/harness/countRequests";
import { dataStoreWrites, storedValue } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { newServer, ServerHandle } from "../harness/World";
import {
	freshWorld,
	GameData,
	rejection,
	savedData,
	savedSession,
	serviceServer,
	stopServers,
	waitUntil,
} from "../service/support";
import { requireModule } from "../service/requireModule";

/** Virtual seconds (run time) of the profile key's writes so far. */
function writesOf(userId: number): Array<number> {
	return dataStoreWrites("PlayerData")
		.filter((w) => w.key === `Player_${userId}`)
		.map((w) => w.time);
}

/** What DataService's own lock stores, read without spending budget. */
type Stored = {
	Data: { data: GameData };
	MetaData: {
		ProfileCreateTime: number;
		SessionLoadCount: number;
		ActiveSession?: [number, string];
		MetaTags: Record<string, unknown>;
		LastUpdate: number;
	};
	GlobalUpdates: unknown;
	UserIds?: Array<number>;
};

export = () => {
	describe("the lock DataService owns", () => {
		beforeEach(() => freshWorld());
		afterEach(() => {
			configureFaults({});
			stopServers();
		});

		it("stores ProfileService's layout and clears the lock in one write, at once, on release", () => {
			const a = serviceServer();
			a.service.LoadPlayerData(4201).expect();
			a.service.UpdatePlayerData(4201, { coins: 5 }, { durable: true }).expect();
			const stored = storedValue("PlayerData", "Player_4201") as Stored;
			expect(stored.Data.data.coins).to.equal(5);
			expect(typeIs(stored.MetaData.ProfileCreateTime, "number")).to.equal(true);
			expect(stored.MetaData.SessionLoadCount).to.equal(1);
			expect(stored.MetaData.ActiveSession![1]).to.equal(a.server.jobId);
			expect(typeIs(stored.MetaData.MetaTags, "table")).to.equal(true);
			expect(typeIs(stored.MetaData.LastUpdate, "number")).to.equal(true);
			expect(typeIs(stored.GlobalUpdates, "table")).to.equal(true);
			expect(stored.UserIds!.includes(4201)).to.equal(true);
			const before = writesOf(4201).size();
			const started = os.clock();
			a.service.ReleasePlayer(4201).expect();
			expect(waitUntil(() => savedSession(4201) === undefined, 5)).to.equal(true);
			// No 7 s write cooldown (ProfileService's, not Roblox's): one UpdateAsync right after the durable save.
			expect(os.clock() - started < 1).to.equal(true);
			task.wait(2);
			expect(writesOf(4201).size() - before).to.equal(1);
			expect(savedData(4201)!.coins).to.equal(5);
		});

		it("writes a changing player once per durability window, and the last change one window later", () => {
			// A fixed request time, so the writes land as far apart as they were sent.
			configureFaults({ dataStore: { latency: { min: 0.1, max: 0.1, tailRate: 0 } } });
			const a = serviceServer({ durabilityWindow: 10 });
			a.service.LoadPlayerData(4203).expect();
			task.wait(12);
			const from = os.clock();
			const first = writesOf(4203).size();
			for (let second = 1; second <= 60; second++) {
				a.service.UpdatePlayerData(4203, { coins: second }).expect();
				task.wait(1);
			}
			const during = writesOf(4203).filter((_, i) => i >= first);
			// 60 s of changes every second: six windows, one write each (the first may fall on either side).
			expect(during.size() >= 5 && during.size() <= 7).to.equal(true);
			for (let i = 1; i < during.size(); i++) {
				const gap = during[i] - during[i - 1];
				// The window, give or take the auto-save's half-second tick.
				if (gap < 9.5 || gap > 10.6) error(`writes ${gap} s apart, not one window (10 s)`);
			}
			expect(os.clock() - from >= 60).to.equal(true);
			task.wait(12);
			expect(savedData(4203)!.coins).to.equal(60);
			const settled = writesOf(4203).size();
			task.wait(25);
			// Nothing changed since: nothing written.
			expect(writesOf(4203).size()).to.equal(settled);
		});

		it("refuses the save of a holder whose lock was taken: the old server never writes again and its session ends", () => {
			const a = serviceServer();
			a.service.LoadPlayerData(4205).expect();
			a.service.UpdatePlayerData(4205, { coins: 10 }, { durable: true }).expect();
			// Another server takes the lock as a steal would (its own session tag, the next load count).
			const thief = newServer({ runScripts: false, faultImmune: true });
			thief.run(() => {
				const store = thief.game.GetService("DataStoreService").GetDataStore("PlayerData");
				store.UpdateAsync("Player_4205", (value: unknown) => {
					const record = value as Stored;
					record.MetaData.ActiveSession = [game.PlaceId, "thief"];
					record.MetaData.SessionLoadCount += 1;
					return $tuple(record);
				});
			});
			const writes = writesOf(4205).size();
			const err = rejection(a.service.UpdatePlayerData(4205, { coins: 99 }, { durable: true }));
			expect(err.kind).to.equal("SaveFailed");
			expect(savedData(4205)!.coins).to.equal(10);
			expect(savedSession(4205)![1]).to.equal("thief");
			expect(writesOf(4205).size()).to.equal(writes);
			expect(a.service.GetPlayerData(4205)).to.equal(undefined);
			thief.crash();
		});

		it("takes a crashed holder's lock within 10 s of the crash (its heartbeat lives 6 s)", () => {
			const a = serviceServer();
			a.service.LoadPlayerData(4206).expect();
			a.service.UpdatePlayerData(4206, { coins: 3 }, { durable: true }).expect();
			const b = serviceServer();
			task.wait(1.3);
			a.server.crash();
			const crashed = os.clock();
			expect(b.service.LoadPlayerData(4206).expect().coins).to.equal(3);
			expect(os.clock() - crashed <= 8).to.equal(true);
			expect(b.service.GetStatistics().service.takeovers).to.equal(1);
		});

		it("lets one of two servers stealing a crashed holder's lock at the same instant win; the other waits for it", () => {
			// Same fixed latency for every request: both servers read, see the holder dead and send their steals
			// together, so the DataStore settles which commit lands first.
			configureFaults({ dataStore: { latency: { min: 0.4, max: 0.4, tailRate: 0 } } });
			const a = serviceServer();
			a.service.LoadPlayerData(4207).expect();
			a.service.UpdatePlayerData(4207, { coins: 21 }, { durable: true }).expect();
			const b = serviceServer();
			const c = serviceServer();
			a.server.crash();
			task.wait(8);
			let most = 0;
			let watching = true;
			const holders = new Array<string>();
			task.spawn(() => {
				while (watching) {
					let count = 0;
					for (const s of [b, c]) if (s.service.GetPlayerData(4207) !== undefined) count += 1;
					most = math.max(most, count);
					const session = savedSession(4207);
					const holder = session !== undefined ? session[1] : "";
					if (holders.size() === 0 || holders[holders.size() - 1] !== holder) holders.push(holder);
					task.wait(0.02);
				}
			});
			const loads = [b, c].map((s) => s.service.LoadPlayerData(4207));
			const coins = loads.map((load) => (load.expect() as GameData).coins);
			task.wait(10);
			watching = false;
			expect(coins[0]).to.equal(21);
			expect(coins[1]).to.equal(21);
			expect(most).to.equal(1);
			// From the dead holder to one thief, released, then the other: never from one live server to another.
			for (let i = 1; i < holders.size(); i++) {
				const stolenFromLive = holders[i - 1] !== a.server.jobId && holders[i - 1] !== "" && holders[i] !== "";
				expect(stolenFromLive).to.equal(false);
			}
			const held = [b, c].filter((s) => s.service.GetPlayerData(4207) !== undefined).size();
			expect(held).to.equal(1);
		});

		it("refuses a durabilityWindow that is not a number of seconds from 6, naming the field and the value", () => {
			for (const bad of [2, -1, 0 / 0, "30"]) {
				const [ok, err] = pcall(() => serviceServer({ durabilityWindow: bad as never }));
				expect(ok).to.equal(false);
				expect(tostring(err).find("durabilityWindow", 1, true)[0] !== undefined).to.equal(true);
				expect(tostring(err).find(typeOf(bad), 1, true)[0] !== undefined).to.equal(true);
			}
		});
	});

	describe("an idle player", () => {
		let world: ReturnType<typeof serviceServer> | undefined;
		let writes = 0;
		let requests = 0;
		beforeAll(() => {
			freshWorld();
			world = serviceServer();
			world.service.LoadPlayerData(4202).expect();
			world.service.UpdatePlayerData(4202, { coins: 1 }).expect();
			// The load's own changes and the update are written by the first window.
			task.wait(35);
			writes = writesOf(4202).size();
			requests = world.service.GetStatistics().dataLayer.requests;
		});
		afterAll(() => stopServers());

		// An hour in three parts (a test may take at most 1,800 s of virtual time).
		for (const part of [1, 2, 3]) {
			it(`costs no DataStore request while it changes nothing (minutes ${part * 20 - 19}-${part * 20})`, () => {
				task.wait(20 * 60);
				expect(writesOf(4202).size()).to.equal(writes);
				expect(world!.service.GetStatistics().dataLayer.requests).to.equal(requests);
				expect(world!.service.GetPlayerData(4202)!.coins).to.equal(1);
			});
		}
	});

	describe("an idle player with backups, auditing and checkConsistencyOnRead on", () => {
		let world: ReturnType<typeof serviceServer> | undefined;
		let counter: ReturnType<typeof countRequests> | undefined;
		let writes = 0;
		beforeAll(() => {
			freshWorld();
			world = serviceServer({ enableBackups: true, enableAuditing: true, checkConsistencyOnRead: true });
			world.service.LoadPlayerData(4203).expect();
			// As the DataService bench counts an idle player: from 60 s after the load.
			task.wait(60);
			writes = dataStoreWrites().size();
			counter = countRequests();
		});
		afterAll(() => {
			counter?.stop();
			stopServers();
		});

		// An hour in three parts; every store counts (profile, backups, audit, consistency), reads too.
		for (const part of [1, 2, 3]) {
			it(`costs no DataStore request of any store (minutes ${part * 20 - 19}-${part * 20})`, () => {
				task.wait(20 * 60);
				expect(counter!.count()).to.equal(0);
				expect(dataStoreWrites().size()).to.equal(writes);
				expect(world!.service.GetPlayerData(4203)).to.be.ok();
			});
		}
	});

	describe("a ProfileService given in the services", () => {
		beforeEach(() => freshWorld());
		afterEach(() => stopServers());

		it("is still used as the session lock: load, update, durable save, release", () => {
			const server: ServerHandle = newServer({ runScripts: false, faultImmune: true });
			const ps = server.require<object>("ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src");
			const module = requireModule(server, "DataService");
			const service = server.run(
				() => new module.DataService<GameData>({ warnings: false }, { profileService: ps as never }),
			) as DataService<GameData>;
			task.wait(0.5);
			server.run(() => service.LoadPlayerData(4208).expect());
			server.run(() => service.UpdatePlayerData(4208, { coins: 8 }, { durable: true }).expect());
			expect(savedData(4208)!.coins).to.equal(8);
			server.run(() => service.ReleasePlayer(4208).expect());
			// ProfileService's 7 s write cooldown: the release save lands seconds later.
			expect(waitUntil(() => savedSession(4208) === undefined, 15)).to.equal(true);
			server.crash();
		});
	});
};
