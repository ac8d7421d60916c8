import { configureCloud, resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { offlineRecord } from "../../test/specs/migration/offlineRecord";

type ServiceModule = typeof import("server/services/DataService");
type FieldsModule = typeof import("shared/core/security/FieldEncryption");
type RingModule = typeof import("shared/core/security/KeyRing");

const PII_SCHEMA = {
	type: "object",
	properties: { coins: { type: "integer" }, email: { type: "string", sensitive: true } },
} as const;

/** A key ring of one fixed master key (the same on the seeder and the migrating server). */
function keyRing(server: ReturnType<typeof newServer>) {
	const rings = server.require<RingModule>("ReplicatedStorage/TS/core/security/KeyRing");
	const bytes = buffer.create(32);
	for (let i = 0; i < 32; i++) buffer.writeu8(bytes, i, i * 7);
	const key = buffer.tostring(server.game.GetService("EncodingService").Base64Encode(bytes));
	return new rings.KeyRing({ current: "k1", keys: { k1: key } });
}

/**
 * Writes `count` offline version 1 profiles from a throwaway server with a large start allotment; `sealed`:
 * as field encryption stores them (the email sealed under the player's own secret, the envelope's HMAC).
 */
function seed(count: number, sealed = false): void {
	configureCloud({ startAllotmentMinutes: math.ceil(count / 20) + 2 });
	const seeder = newServer({ runScripts: false });
	configureCloud({ startAllotmentMinutes: 0 });
	const fields = sealed
		? seeder.run(() => {
				const module = seeder.require<FieldsModule>("ReplicatedStorage/TS/core/security/FieldEncryption");
				return new module.FieldEncryption({ keyRing: keyRing(seeder), schema: PII_SCHEMA });
			})
		: undefined;
	let pending = 0;
	for (let t = 0; t < 20; t++) {
		pending += 1;
		seeder.spawn(() => {
			const store = seeder.game.GetService("DataStoreService").GetDataStore("PlayerData");
			for (let i = t; i < count; i += 20) {
				const id = 100000 + i;
				const envelope = { v: 1, data: { coins: i } as object, applied: {}, seq: 0 };
				if (fields === undefined) {
					store.SetAsync(`Player_${id}`, offlineRecord(envelope));
					continue;
				}
				fields.prepare(id, true);
				envelope.data = fields.sealData(id, { coins: i, email: `player${i}@example.com` });
				store.SetAsync(`Player_${id}`, { ...offlineRecord(envelope), DataMac: fields.signDocument(envelope) });
			}
			pending -= 1;
		});
	}
	while (pending > 0) task.wait(1);
	seeder.crash();
}

/**
 * Keys a batch migration moves per minute (virtual time) on a server with P players, against the most the
 * server's budget allows: each key costs one GetAsync and one UpdateAsync, both drawn from the Get budget
 * (60 + 10·P a minute), so the budget's maximum is (60 + 10·P) / 2 keys a minute. The batch runs at
 * background priority and leaves the reserve to player saves, so the goal is at least 0.8 of that maximum.
 * Servers start without the one-time allotment, but a budget starts full (a minute's worth), so a run of
 * about three minutes can show up to 4/3 of the steady maximum.
 */
export = (bench: Bench) => {
	// Encrypted: each key also costs a GetAsync of the player's secret (DataService.Keys), so the Get budget's
	// maximum is (60 + 10·P) / 3 keys a minute; the ratio is still taken against the plain maximum.
	for (const [players, sealed] of [
		[0, false],
		[20, false],
		[50, false],
		[0, true],
		[20, true],
	] as Array<[number, boolean]>) {
		resetCloud();
		configureFaults({});
		stopOtherServers();
		const maximum = (60 + 10 * players) / 2;
		const keys = math.floor(maximum * 3);
		const label = `P=${players}${sealed ? ", encrypted" : ""}`;
		seed(keys, sealed);
		const server = newServer({ runScripts: false });
		configureCloud({ startAllotmentMinutes: 1 });
		for (let p = 1; p <= players; p++) server.addPlayer({ userId: 900000 + p });
		const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
		const fieldsModule = server.require<FieldsModule>("ReplicatedStorage/TS/core/security/FieldEncryption");
		const step = { name: "add level", from: 1, up: (d: object) => ({ ...d, level: 1 }), sample: { coins: 1 } };
		const started = os.clock();
		const run = server.run(() => {
			const fieldEncryption = sealed
				? new fieldsModule.FieldEncryption({ keyRing: keyRing(server), schema: PII_SCHEMA })
				: undefined;
			const service = new module.DataService(
				{
					schema: sealed ? PII_SCHEMA : { type: "object" },
					template: { coins: 0 },
					migrations: [step],
					warnings: false,
				} as never,
				{ fieldEncryption },
			);
			return service.RunMigration({ pageSize: 100 }).expect();
		});
		const minutes = (os.clock() - started) / 60;
		const rate = run.migratedCount / minutes;
		bench.record(`${label}: keys migrated (${keys} offline)`, run.migratedCount, "keys");
		bench.record(`${label}: keys migrated per minute`, rate, "keys/min");
		const ratio = rate / maximum;
		bench.ratio(
			`${label}: keys per minute / budget maximum ((60 + 10·P) / 2 = ${maximum})`,
			rate,
			maximum,
			sealed ? "none: a third Get per key caps it at 0.67" : `>= 0.8: ${ratio >= 0.8 ? "met" : "missed"}`,
		);
		server.crash();
	}
	configureCloud({ startAllotmentMinutes: 1 });
};
