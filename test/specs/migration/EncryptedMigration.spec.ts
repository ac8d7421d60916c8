/**
 * Offline batch migration of profiles with encrypted fields: the batch reads the raw stored record, so it
 * must open the sealed fields before the steps run and seal and sign the result again, or the steps see
 * ciphertext and the profile's HMAC no longer matches (its next load is refused as edited outside the library).
 */
import type { DataService, DataServiceConfig } from "server/services/DataService";
import { canonicalJson } from "shared/core/dal/Canonical";
import type { MigrationStep } from "shared/core/DataMigrationTool";
import type { DocumentMac, FieldEncryption, SealedValue } from "shared/core/security/FieldEncryption";
import { freshAdminWorld, stopAdminServers, trackAdminServer } from "../admin/AdminFixture";
import { storedValue } from "../harness/Cloud";
import { newServer } from "../harness/World";
import { waitUntil } from "../service/support";
import { requireModule } from "../service/requireModule";

type Data = { coins: number; email: string; domain?: string };
type Stored = { Data: { v: number; data: Record<string, unknown> }; DataMac?: DocumentMac; MetaData: object };

const V1_SCHEMA = {
	type: "object",
	properties: { coins: { type: "integer", minimum: 0 }, email: { type: "string", sensitive: true } },
	required: ["coins", "email"],
} as const;
const V2_SCHEMA = {
	type: "object",
	properties: { ...V1_SCHEMA.properties, domain: { type: "string" } },
	required: ["coins", "email", "domain"],
} as const;

/** Reads the sealed field and rewrites it: both only work on plaintext (a sealed value is a table). */
const SPLIT_EMAIL: MigrationStep = {
	name: "split email",
	from: 1,
	up: (data) => {
		const email = (data as Data).email;
		if (!typeIs(email, "string")) error(`email is ${typeOf(email)}, not plaintext`);
		const [domain] = email.match("@(.+)$");
		return { ...(data as Data), email: email.lower(), domain: (domain as string | undefined) ?? "" };
	},
	sample: { coins: 1, email: "A@B.C" },
};

const RING = (() => {
	const bytes = buffer.create(32);
	for (let i = 0; i < 32; i++) buffer.writeu8(bytes, i, (i * 11 + 5) % 256);
	return { current: "k1", keys: { k1: buffer.tostring(game.GetService("EncodingService").Base64Encode(bytes)) } };
})();

interface Node {
	readonly service: DataService<Data>;
	readonly fields?: FieldEncryption;
	readonly call: <R>(fn: () => R) => R;
}

/** A DataService server, with field encryption unless `plain`. */
function node(steps: ReadonlyArray<MigrationStep>, plain = false): Node {
	const server = newServer({ runScripts: false, faultImmune: true });
	trackAdminServer(server);
	const services = requireModule(server, "DataService");
	const security = requireModule(server, "FieldEncryption");
	const rings = requireModule(server, "KeyRing");
	const schema = steps.size() > 0 ? V2_SCHEMA : V1_SCHEMA;
	const built = server.run(() => {
		const fields = plain ? undefined : new security.FieldEncryption({ keyRing: new rings.KeyRing(RING), schema });
		const template = steps.size() > 0 ? { coins: 0, email: "", domain: "" } : { coins: 0, email: "" };
		const config = { warnings: false, schema, template, migrations: steps } as unknown as DataServiceConfig<Data>;
		return { fields, service: new services.DataService<Data>(config, { fieldEncryption: fields }) };
	});
	task.wait(0.5);
	return { ...built, call: (fn) => server.run(fn) };
}

function stored(userId: number): Stored {
	return storedValue("PlayerData", `Player_${userId}`) as Stored;
}

/** Players saved by a version 1 server with field encryption, released: offline, sealed, signed. */
function seed(ids: ReadonlyArray<number>): Map<number, string> {
	const old = node([]);
	const originals = new Map<number, string>();
	for (const id of ids) {
		old.call(() => old.service.LoadPlayerData(id).expect());
		old.call(() => old.service.UpdatePlayerData(id, { coins: id % 100, email: `P${id}@Example.com` }).expect());
		old.call(() => old.service.ReleasePlayer(id).expect());
	}
	for (const id of ids) {
		if (!waitUntil(() => stored(id)?.Data.data.coins === id % 100 && stored(id).DataMac !== undefined, 30))
			error(`player ${id} was not saved`);
		const record = stored(id);
		originals.set(id, canonicalJson({ Data: record.Data, DataMac: record.DataMac }));
	}
	return originals;
}

export = () => {
	beforeEach(() => freshAdminWorld());
	afterEach(() => stopAdminServers());

	it("migrates encrypted offline profiles on plaintext, seals and signs them again, and rolls back byte for byte", () => {
		const ids = [7601, 7602, 7603];
		const originals = seed(ids);
		expect(typeIs(stored(7601).Data.data.email, "table")).to.equal(true); // sealed before the run
		const fresh = node([SPLIT_EMAIL]);
		const run = fresh.call(() => fresh.service.RunMigration({}).expect());
		expect(run.failedCount).to.equal(0);
		expect(run.migratedCount).to.equal(3);
		for (const id of ids) {
			const record = stored(id);
			expect(record.Data.v).to.equal(2);
			expect(record.Data.data.domain).to.equal("Example.com");
			// Still sealed, under the current key, and no plaintext anywhere in the stored record.
			expect((record.Data.data.email as SealedValue).__enc).to.equal("k1");
			const json = game.GetService("HttpService").JSONEncode(record);
			expect(json.find("example.com", 1, true)[0]).to.equal(undefined);
			expect(fresh.call(() => fresh.fields!.verifyDocument(record.Data, record.DataMac))).to.equal(true);
			const email = fresh.call(() => fresh.fields!.openValue(id, "email", record.Data.data.email as SealedValue));
			expect(email.ok && email.value).to.equal(`p${id}@example.com`);
		}
		// Another server loads it: the HMAC matches (an edit would be refused) and the step's plaintext is there.
		const reader = node([SPLIT_EMAIL]);
		const loaded = reader.call(() => reader.service.LoadPlayerData(7601).expect());
		expect(loaded.email).to.equal("p7601@example.com");
		expect(loaded.domain).to.equal("Example.com");
		expect(loaded.coins).to.equal(1);
		reader.call(() => reader.service.ReleasePlayer(7601).expect());
		expect(waitUntil(() => stored(7601).Data.v === 2 && stored(7601).DataMac !== undefined, 30)).to.equal(true);
		// The rollback restores the sealed envelope and its HMAC byte for byte; version 1 code loads it again.
		const undone = fresh.call(() => fresh.service.RollbackMigration(run.id).expect());
		for (const id of [7602, 7603]) {
			expect(undone.rolledBack.includes(`Player_${id}`)).to.equal(true);
			const record = stored(id);
			expect(canonicalJson({ Data: record.Data, DataMac: record.DataMac })).to.equal(originals.get(id));
		}
		const old = node([]);
		expect(old.call(() => old.service.LoadPlayerData(7602).expect()).email).to.equal("P7602@Example.com");
	});

	it("refuses an encrypted profile edited outside the library, or met without fieldEncryption, leaving it as it was", () => {
		const originals = seed([7611, 7612]);
		// A DataStore editor gives coins to 7611, leaving the sealed field and the HMAC alone.
		game.GetService("DataStoreService")
			.GetDataStore("PlayerData")
			.UpdateAsync("Player_7611", (value: unknown) => {
				(value as Stored).Data.data.coins = 1e6;
				return $tuple(value);
			});
		const edited = canonicalJson({ Data: stored(7611).Data, DataMac: stored(7611).DataMac });
		// A server without the key ring cannot open the sealed fields: it must not migrate ciphertext.
		const plain = node([SPLIT_EMAIL], true);
		const blind = plain.call(() => plain.service.RunMigration({}).expect());
		expect(blind.migratedCount).to.equal(0);
		expect(blind.failed["Player_7612"].kind).to.equal("Unreadable");
		expect(blind.failed["Player_7612"].message.find("fieldEncryption", 1, true)[0] !== undefined).to.equal(true);
		expect(canonicalJson({ Data: stored(7612).Data, DataMac: stored(7612).DataMac })).to.equal(originals.get(7612));
		// With the key ring, the edited profile is refused (migrating would sign the edit) and the other migrates.
		const fresh = node([SPLIT_EMAIL]);
		const run = fresh.call(() => fresh.service.RunMigration({ resume: false }).expect());
		expect(run.migratedCount).to.equal(1);
		expect(run.failedCount).to.equal(1);
		expect(run.failed["Player_7611"].kind).to.equal("Unreadable");
		expect(run.failed["Player_7611"].message.find("HMAC does not match", 1, true)[0] !== undefined).to.equal(true);
		expect(canonicalJson({ Data: stored(7611).Data, DataMac: stored(7611).DataMac })).to.equal(edited);
		expect(stored(7612).Data.v).to.equal(2);
	});
};
