import type { DataServiceConfig } from "server/services/DataService";
import type { MigrationStep } from "shared/core/DataMigrationTool";
import { storedValue } from "../harness/Cloud";
import type { GameData, ServiceServer } from "../service/support";
import { freshWorld, rejection, savedSession, serviceServer, stopServers, waitUntil } from "../service/support";

/** Version 1: coins only. Version 2 adds a level; version 3 adds a title (old code may keep serving it). */
const V1_SCHEMA = { type: "object", properties: { coins: { type: "integer", minimum: 0 } }, required: ["coins"] };
const V2_SCHEMA = {
	type: "object",
	properties: { coins: { type: "integer", minimum: 0 }, level: { type: "integer", minimum: 1 } },
	required: ["coins", "level"],
};

const ADD_LEVEL: MigrationStep = {
	name: "add level",
	from: 1,
	up: (data) => ({ ...data, level: 1 }),
	sample: { coins: 1 },
};
const ADD_TITLE: MigrationStep = {
	name: "add title",
	from: 2,
	up: (data) => ({ ...data, title: "rookie" }),
	sample: { coins: 1, level: 1 },
};

function v1Server(): ServiceServer {
	return serviceServer({ schema: V1_SCHEMA, template: { coins: 0 } } as unknown as DataServiceConfig);
}

function v2Server(steps: ReadonlyArray<MigrationStep> = [ADD_LEVEL], extra: object = {}): ServiceServer {
	return serviceServer({
		schema: V2_SCHEMA,
		template: { coins: 0, level: 1 },
		migrations: steps,
		...extra,
	} as unknown as DataServiceConfig);
}

type Stored = { Data: { v: number; data: { coins: number; level?: number; title?: string } } };

function stored(userId: number): Stored["Data"] {
	return (storedValue("PlayerData", `Player_${userId}`) as Stored | undefined)?.Data as Stored["Data"];
}

/** A player saved by a version 1 server with `coins`, released. */
function seedV1(userId: number, coins: number): void {
	const old = v1Server();
	old.service.LoadPlayerData(userId).expect();
	old.service.UpdatePlayerData(userId, { coins } as Partial<GameData>).expect();
	old.service.ReleasePlayer(userId).expect();
	// TestEZ's expect is not in scope outside the spec callbacks.
	if (!waitUntil(() => stored(userId)?.data.coins === coins && savedSession(userId) === undefined, 30))
		error(`player ${userId} was not saved`);
	old.server.crash();
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	describe("on load", () => {
		it("migrates through the write pipeline as a migration change and stores data and version together", () => {
			seedV1(9501, 7);
			const { service } = v2Server();
			const seen = new Array<string>();
			service.AddStage({
				name: "rec",
				slot: "audit",
				observe: (c) => seen.push(`${c.kind}:${(c.sides[0].after as { level?: number }).level}`),
			});
			const data = service.LoadPlayerData(9501).expect() as unknown as { coins: number; level: number };
			expect(data.coins).to.equal(7);
			expect(data.level).to.equal(1);
			expect(seen.join(",")).to.equal("migration:1");
			service.ReleasePlayer(9501).expect();
			expect(waitUntil(() => stored(9501).v === 2 && stored(9501).data.level === 1, 30)).to.equal(true);
			// Loaded again: already current, nothing runs.
			const again = v2Server();
			const before = seen.size();
			again.service.LoadPlayerData(9501).expect();
			expect(seen.size()).to.equal(before);
		});

		it("leaves a document whose migration breaks the target schema untouched and rejects InvalidData", () => {
			seedV1(9502, 4);
			const broken: MigrationStep = { name: "add level", from: 1, up: (data) => ({ ...data, level: 0 }) };
			const { service } = v2Server([broken], {});
			const err = rejection(service.LoadPlayerData(9502));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("breaks the schema of version 2")[0] !== undefined).to.equal(true);
			expect(err.message.find("level")[0] !== undefined).to.equal(true);
			expect(service.GetPlayerData(9502)).to.equal(undefined);
			expect(waitUntil(() => savedSession(9502) === undefined, 30)).to.equal(true);
			expect(stored(9502).v).to.equal(1);
			expect(stored(9502).data.level).to.equal(undefined);
		});

		it("leaves the document untouched when a step errors or yields on load", () => {
			seedV1(9503, 4);
			const yields: MigrationStep = {
				name: "add level",
				from: 1,
				up: (data) => {
					task.wait();
					return { ...data, level: 1 };
				},
			};
			const { service } = v2Server([yields]);
			const err = rejection(service.LoadPlayerData(9503));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("yielded")[0] !== undefined).to.equal(true);
			expect(waitUntil(() => savedSession(9503) === undefined, 30)).to.equal(true);
			expect(stored(9503).v).to.equal(1);
		});

		it("refuses to migrate with a published step edited elsewhere (EditedStep), leaving the data as it was", () => {
			seedV1(9504, 4);
			const first = v2Server();
			first.service.LoadPlayerData(9505).expect(); // publishes "add level"
			task.wait(2);
			const edited: MigrationStep = { ...ADD_LEVEL, up: (data) => ({ ...data, level: 2 }) };
			const second = v2Server([edited]);
			const err = rejection(second.service.LoadPlayerData(9504));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("must not be edited")[0] !== undefined).to.equal(true);
			expect(waitUntil(() => savedSession(9504) === undefined, 30)).to.equal(true);
			expect(stored(9504).v).to.equal(1);
		});
	});

	describe("a fleet running two code versions", () => {
		it("an old server refuses newer data (never downgrades or overwrites it) while a new one serves it", () => {
			seedV1(9510, 5);
			const newer = v2Server([ADD_LEVEL, ADD_TITLE]);
			const older = v2Server([ADD_LEVEL]);
			newer.service.LoadPlayerData(9510).expect();
			newer.service.UpdatePlayerData(9510, { coins: 6 } as Partial<GameData>).expect();
			newer.service.ReleasePlayer(9510).expect();
			expect(waitUntil(() => stored(9510).v === 3 && savedSession(9510) === undefined, 30)).to.equal(true);
			const err = rejection(older.service.LoadPlayerData(9510));
			expect(err.kind).to.equal("InvalidData");
			expect(err.message.find("schema version 3, newer than this server's 2")[0] !== undefined).to.equal(true);
			expect(older.service.GetPlayerData(9510)).to.equal(undefined);
			expect(older.service.UpdatePlayerData(9510, { coins: 1 } as Partial<GameData>).await()[0]).to.equal(false);
			task.wait(10);
			expect(stored(9510).v).to.equal(3);
			expect(stored(9510).data.title).to.equal("rookie");
			expect(stored(9510).data.coins).to.equal(6);
			// The new server still serves the player.
			newer.service.LoadPlayerData(9510).expect();
		});

		it("an old server keeps serving newer data that declares itself compatible, keeping its version", () => {
			seedV1(9511, 5);
			const compatible = { ...ADD_TITLE, compatibleBackTo: 2 };
			const newer = v2Server([ADD_LEVEL, compatible]);
			const older = v2Server([ADD_LEVEL]);
			newer.service.LoadPlayerData(9511).expect();
			newer.service.ReleasePlayer(9511).expect();
			expect(waitUntil(() => stored(9511).v === 3 && savedSession(9511) === undefined, 30)).to.equal(true);
			const data = older.service.LoadPlayerData(9511).expect() as unknown as { coins: number; title: string };
			expect(data.title).to.equal("rookie");
			older.service.UpdatePlayerData(9511, { coins: 9 } as Partial<GameData>).expect();
			older.service.ReleasePlayer(9511).expect();
			expect(waitUntil(() => stored(9511).data.coins === 9 && savedSession(9511) === undefined, 30)).to.equal(
				true,
			);
			expect(stored(9511).v).to.equal(3);
			expect(stored(9511).data.title).to.equal("rookie");
		});
	});
};
