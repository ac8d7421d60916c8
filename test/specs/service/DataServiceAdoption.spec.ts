import type { AdoptionConfig, PipelineChange } from "server/services/DataService";
import { storedValue } from "../harness/Cloud";
import { newServer, ServerHandle } from "../harness/World";
import { freshWorld, GameData, rejection, savedData, serviceServer, stopServers } from "./support";
import { requireModule } from "./requireModule";

// Legacy data is written by the real packages (ProfileService, ProfileStore) or a plain SetAsync, each
// running on its own server, then loaded by DataService on another.

type Legacy = { Cash: number; Items: Record<string, number> };
const LEGACY_TEMPLATE: Legacy = { Cash: 0, Items: {} };
const RS_MODULES = "ReplicatedStorage/rbxts_include/node_modules/@rbxts";

interface LegacyProfile {
	Data: Legacy;
}

/** Saves `data` for `key` with the real ProfileService under `store`, then releases the profile. */
function writeWithProfileService(store: string, key: string, data: Legacy): void {
	const server = newServer({ runScripts: false });
	server.run(() => {
		const ProfileService = server.require<{
			GetProfileStore: (
				this: void,
				name: string,
				template: object,
			) => {
				LoadProfileAsync(key: string, handler: "ForceLoad"): (LegacyProfile & { Release(): void }) | undefined;
			};
		}>(`${RS_MODULES}/profileservice/src`);
		const profile = ProfileService.GetProfileStore(store, LEGACY_TEMPLATE).LoadProfileAsync(key, "ForceLoad")!;
		profile.Data.Cash = data.Cash;
		profile.Data.Items = data.Items;
		profile.Release();
	});
	task.wait(10);
	server.shutdown();
}

/** Saves `data` for `key` with the real ProfileStore under `store`, then ends the session. */
function writeWithProfileStore(store: string, key: string, data: Legacy): void {
	const server = newServer({ runScripts: false });
	server.run(() => {
		const ProfileStore = server.require<{
			New: (
				this: void,
				name: string,
				template: object,
			) => { StartSessionAsync(key: string): (LegacyProfile & { EndSession(): void }) | undefined };
		}>(`${RS_MODULES}/profile-store/src`);
		const profile = ProfileStore.New(store, LEGACY_TEMPLATE).StartSessionAsync(key)!;
		profile.Data.Cash = data.Cash;
		profile.Data.Items = data.Items;
		profile.EndSession();
	});
	task.wait(10);
	server.shutdown();
}

/** The default game data from a legacy profile. */
function fromLegacy(old: unknown): GameData {
	const legacy = old as Legacy;
	return { coins: legacy.Cash, gems: 0, level: 1, inventory: legacy.Items };
}

const FROM_PROFILE_SERVICE: AdoptionConfig = { from: "ProfileService", map: fromLegacy };

function kindsSeen(service: ReturnType<typeof serviceServer>["service"]): Array<string> {
	const kinds = new Array<string>();
	service.AddStage({ name: "kinds", slot: "audit", observe: (c: PipelineChange) => kinds.push(c.kind) });
	return kinds;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	describe("from ProfileService (same store and key)", () => {
		it("loads a ProfileService profile through the map as an adoption change, and saves it as DataService's", () => {
			writeWithProfileService("PlayerData", "Player_5001", { Cash: 120, Items: { sword: 2 } });
			const { service } = serviceServer({ adopt: FROM_PROFILE_SERVICE });
			const kinds = kindsSeen(service);
			const data = service.LoadPlayerData(5001).expect();
			expect(data.coins).to.equal(120);
			expect(data.inventory.sword).to.equal(2);
			expect(kinds.join(",")).to.equal("adoption");
			expect(service.GetStatistics().service.adoptions).to.equal(1);
			service.UpdatePlayerData(5001, (d) => ({ coins: d.coins + 10 })).expect();
			service.ReleasePlayer(5001).expect();
			task.wait(10);
			expect(savedData(5001)!.coins).to.equal(130);
		});

		it("adopts once: the next load reads DataService's profile and does not map the old data again", () => {
			writeWithProfileService("PlayerData", "Player_5002", { Cash: 40, Items: {} });
			let maps = 0;
			const adopt: AdoptionConfig = {
				from: "ProfileService",
				map: (old) => {
					maps += 1;
					return fromLegacy(old);
				},
			};
			const first = serviceServer({ adopt });
			first.service.LoadPlayerData(5002).expect();
			first.service.IncrementPlayerData(5002, { coins: 5 }).expect();
			first.service.ReleasePlayer(5002).expect();
			task.wait(5);
			const second = serviceServer({ adopt });
			expect(second.service.LoadPlayerData(5002).expect().coins).to.equal(45);
			expect(maps).to.equal(1);
		});

		it("refuses with InvalidData naming the key and the field when the mapped data breaks the schema, leaving the profile untouched", () => {
			writeWithProfileService("PlayerData", "Player_5003", { Cash: -7, Items: {} });
			const { service } = serviceServer({ adopt: FROM_PROFILE_SERVICE });
			const err = rejection(service.LoadPlayerData(5003));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("PlayerData/Player_5003", 1, true)[0]).to.be.ok();
			expect(err.message.find("coins", 1, true)[0]).to.be.ok();
			task.wait(5);
			const raw = storedValue("PlayerData", "Player_5003") as { Data: Legacy & { v?: number } };
			expect(raw.Data.Cash).to.equal(-7);
			expect(raw.Data.v).to.equal(undefined);
		});

		it("refuses with InvalidData when the map function errors or yields, leaving the profile untouched", () => {
			writeWithProfileService("PlayerData", "Player_5004", { Cash: 3, Items: {} });
			const erroring = serviceServer({ adopt: { from: "ProfileService", map: () => error("no Cash field") } });
			const err = rejection(erroring.service.LoadPlayerData(5004));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("PlayerData/Player_5004", 1, true)[0]).to.be.ok();
			expect(err.message.find("no Cash field", 1, true)[0]).to.be.ok();
			task.wait(5);
			const yielding = serviceServer({
				adopt: {
					from: "ProfileService",
					map: (old) => {
						task.wait(1);
						return fromLegacy(old);
					},
				},
			});
			expect(rejection(yielding.service.LoadPlayerData(5004)).message.find("yielded", 1, true)[0]).to.be.ok();
			task.wait(5);
			expect((storedValue("PlayerData", "Player_5004") as { Data: Legacy }).Data.Cash).to.equal(3);
		});

		it("still refuses a foreign profile when no adoption is configured", () => {
			writeWithProfileService("PlayerData", "Player_5005", { Cash: 1, Items: {} });
			const { service } = serviceServer();
			expect(rejection(service.LoadPlayerData(5005)).kind).to.equal("InvalidData");
		});
	});

	describe("from ProfileStore", () => {
		const adopt: AdoptionConfig = {
			from: { store: "LegacyStore", key: (id) => `Player_${id}`, format: "ProfileStore" },
			map: fromLegacy,
		};

		it("loads a ProfileStore profile from its own store into a new DataService profile, without writing the old one", () => {
			writeWithProfileStore("LegacyStore", "Player_6001", { Cash: 75, Items: { shield: 1 } });
			const before = storedValue("LegacyStore", "Player_6001") as { Data: Legacy };
			expect(before.Data.Cash).to.equal(75);
			const { service } = serviceServer({ adopt });
			const data = service.LoadPlayerData(6001).expect();
			expect(data.coins).to.equal(75);
			expect(data.inventory.shield).to.equal(1);
			service.IncrementPlayerData(6001, { coins: 1 }).expect();
			service.ReleasePlayer(6001).expect();
			task.wait(10);
			expect(savedData(6001)!.coins).to.equal(76);
			const after = storedValue("LegacyStore", "Player_6001") as { Data: Legacy };
			expect(after.Data.Cash).to.equal(75);
		});

		it("adopts once: a second load keeps DataService's data even though the old value is still there", () => {
			writeWithProfileStore("LegacyStore", "Player_6002", { Cash: 10, Items: {} });
			const first = serviceServer({ adopt });
			first.service.LoadPlayerData(6002).expect();
			first.service.IncrementPlayerData(6002, { coins: -4 }).expect();
			first.service.ReleasePlayer(6002).expect();
			task.wait(5);
			const second = serviceServer({ adopt });
			expect(second.service.LoadPlayerData(6002).expect().coins).to.equal(6);
		});
	});

	describe("from a plain DataStore table", () => {
		const adopt: AdoptionConfig = {
			from: { store: "OldData", key: (id) => `u_${id}` },
			map: (old) => {
				const o = old as { gold: number };
				return { coins: o.gold, gems: 0, level: 1, inventory: {} };
			},
		};

		function setPlain(key: string, value: unknown): ServerHandle {
			const server = newServer({ runScripts: false });
			server.run(() => server.game.GetService("DataStoreService").GetDataStore("OldData").SetAsync(key, value));
			return server;
		}

		it("loads a SetAsync table under the configured store and key pattern", () => {
			setPlain("u_7001", { gold: 33 });
			const { service } = serviceServer({ adopt });
			expect(service.LoadPlayerData(7001).expect().coins).to.equal(33);
		});

		it("gives a player without old data the template, and a later old value is never adopted", () => {
			const { service } = serviceServer({ adopt });
			expect(service.LoadPlayerData(7002).expect().coins).to.equal(0);
			service.ReleasePlayer(7002).expect();
			task.wait(5);
			setPlain("u_7002", { gold: 999 });
			const again = serviceServer({ adopt });
			expect(again.service.LoadPlayerData(7002).expect().coins).to.equal(0);
		});

		it("never adopts into a profile DataService made before adoption was configured", () => {
			const before = serviceServer();
			before.service.LoadPlayerData(7003).expect();
			before.service.IncrementPlayerData(7003, { coins: 12 }).expect();
			before.service.ReleasePlayer(7003).expect();
			task.wait(5);
			setPlain("u_7003", { gold: 500 });
			const { service } = serviceServer({ adopt });
			expect(service.LoadPlayerData(7003).expect().coins).to.equal(12);
			service.ReleasePlayer(7003).expect();
			task.wait(5);
			// Reconcile must not have given the old profile the template's "not adopted yet" mark.
			const again = serviceServer({ adopt });
			expect(again.service.LoadPlayerData(7003).expect().coins).to.equal(12);
		});

		it("refuses a value that is not a table with InvalidData naming the key, and adopts once it is fixed", () => {
			setPlain("u_7004", "corrupt");
			const { service } = serviceServer({ adopt });
			const err = rejection(service.LoadPlayerData(7004));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("OldData/u_7004", 1, true)[0]).to.be.ok();
			expect(err.message.find("got string", 1, true)[0]).to.be.ok();
			task.wait(5);
			expect(storedValue("OldData", "u_7004")).to.equal("corrupt");
			setPlain("u_7004", { gold: 8 });
			const again = serviceServer({ adopt });
			expect(again.service.LoadPlayerData(7004).expect().coins).to.equal(8);
		});

		it("rejects a malformed adopt config at construction with a message naming the field", () => {
			const server = newServer({ runScripts: false });
			const module = requireModule(server, "DataService");
			const [ok, err] = pcall(() =>
				server.run(() => new module.DataService({ adopt: { from: { store: "X" }, map: fromLegacy } as never })),
			);
			expect(ok).to.equal(false);
			expect(tostring(err).find("adopt.from.key must be a function, got nil", 1, true)[0]).to.be.ok();
			server.shutdown();
		});
	});
};
