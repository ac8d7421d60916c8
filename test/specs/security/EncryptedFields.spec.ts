/**
 * Encrypted fields in DataService: the stored profile holds ciphertext while the game sees plaintext; the
 * HMAC over the stored envelope catches edits made outside the library; a new master key re-encrypts on
 * load; erasing a player's key leaves their sensitive fields unreadable in backups and audit entries too.
 */
import type { DataService, DataServiceConfig } from "server/services/DataService";
import type { AuditLogger } from "shared/core/AuditLogger";
import type { FieldEncryption, FieldEncryptionConfig, SealedValue } from "shared/core/security/FieldEncryption";
import type { KeyRingConfig } from "shared/core/security/KeyRing";
import { storedValue } from "../harness/Cloud";
import { newServer, ServerHandle } from "../harness/World";
import { freshAdminWorld, PII_SCHEMA, stopAdminServers, trackAdminServer } from "../admin/AdminFixture";
import { waitUntil } from "../service/support";
import { requireModule } from "../service/requireModule";

type Data = { coins: number; gems: number; level: number; inventory: Record<string, number>; email: string };
const TEMPLATE: Data = { coins: 0, gems: 0, level: 1, inventory: {}, email: "" };
const EncodingService = game.GetService("EncodingService");

function key(seed: number): string {
	const bytes = buffer.create(32);
	for (let i = 0; i < 32; i++) buffer.writeu8(bytes, i, (seed * 31 + i * 7) % 256);
	return buffer.tostring(EncodingService.Base64Encode(bytes));
}
const K1 = key(1);
const K2 = key(2);

interface Node {
	readonly server: ServerHandle;
	readonly service: DataService<Data>;
	readonly fields: FieldEncryption;
	readonly audit: AuditLogger;
	readonly call: <R>(fn: () => R) => R;
}

function node(
	ring: KeyRingConfig,
	config: Partial<DataServiceConfig<Data>> = {},
	encryption: Partial<FieldEncryptionConfig> = {},
): Node {
	const server = newServer({ runScripts: false, faultImmune: true });
	const services = requireModule(server, "DataService");
	const security = requireModule(server, "FieldEncryption");
	const rings = requireModule(server, "KeyRing");
	const audits = requireModule(server, "AuditLogger");
	const built = server.run(() => {
		const fields = new security.FieldEncryption({
			keyRing: new rings.KeyRing(ring),
			schema: PII_SCHEMA,
			...encryption,
		});
		const audit = new audits.AuditLogger({ warnings: false, bindToClose: false, fieldEncryption: fields });
		const service = new services.DataService<Data>(
			{
				warnings: false,
				schema: PII_SCHEMA,
				template: TEMPLATE,
				enableAuditing: true,
				...config,
			} as DataServiceConfig<Data>,
			{ fieldEncryption: fields, auditLogger: audit },
		);
		return { fields, audit, service };
	});
	task.wait(0.5);
	trackAdminServer(server);
	return { server, ...built, call: (fn) => server.run(fn) };
}

function stored(userId: number): {
	Data: { data: Record<string, unknown> };
	DataMac?: { k?: string; h?: string; t?: string };
} {
	return storedValue("PlayerData", `Player_${userId}`) as never;
}

function saveAndRelease(n: Node, userId: number): void {
	n.call(() => n.service.ReleasePlayer(userId).expect());
	const released = waitUntil(
		() =>
			(storedValue("PlayerData", `Player_${userId}`) as { MetaData?: { ActiveSession?: unknown } })?.MetaData
				?.ActiveSession === undefined,
		20,
	);
	// A helper outside the spec function has no TestEZ expect.
	if (!released) error(`player ${userId} was not released within 20 s`);
}

export = () => {
	beforeEach(() => freshAdminWorld());
	afterEach(() => stopAdminServers());

	it("stores a sensitive field as ciphertext with an HMAC while the game reads plaintext", () => {
		const a = node({ current: "k1", keys: { k1: K1 } });
		a.call(() => a.service.LoadPlayerData(7101).expect());
		a.call(() => a.service.UpdatePlayerData(7101, { email: "ada@example.com", coins: 5 }).expect());
		expect(a.service.GetPlayerData(7101)!.email).to.equal("ada@example.com");
		saveAndRelease(a, 7101);
		const raw = stored(7101);
		const email = raw.Data.data.email as SealedValue;
		expect(typeIs(email, "table")).to.equal(true);
		expect(email.__enc).to.equal("k1");
		expect(raw.Data.data.coins).to.equal(5); // only marked fields are sealed
		expect(typeIs(raw.DataMac?.h, "string")).to.equal(true);
		expect(game.GetService("HttpService").JSONEncode(raw).find("ada@example", 1, true)[0]).to.equal(undefined);
		// Another server with the same key ring reads it back in clear; views too.
		const b = node({ current: "k1", keys: { k1: K1 } });
		expect(b.call(() => b.service.ViewPlayerData(7101).expect())!.email).to.equal("ada@example.com");
		expect(b.call(() => b.service.LoadPlayerData(7101).expect()).email).to.equal("ada@example.com");
	});

	it("refuses to load a profile edited outside the library, audits it, and loads it once accepted", () => {
		const a = node({ current: "k1", keys: { k1: K1 } });
		a.call(() => a.service.LoadPlayerData(7102).expect());
		a.call(() => a.service.UpdatePlayerData(7102, { email: "bob@example.com", coins: 10 }).expect());
		saveAndRelease(a, 7102);
		// A DataStore editor (or a leaked Open Cloud key) gives coins, leaving the sealed field alone.
		game.GetService("DataStoreService")
			.GetDataStore("PlayerData")
			.UpdateAsync("Player_7102", (value: unknown) => {
				(value as { Data: { data: { coins: number } } }).Data.data.coins = 1e9;
				return $tuple(value);
			});
		const b = node({ current: "k1", keys: { k1: K1 } });
		const [ok, err] = b.call(() => {
			const [done, result] = b.service.LoadPlayerData(7102).await();
			return [done, result] as const;
		});
		expect(ok).to.equal(false);
		expect((err as { kind: string }).kind).to.equal("InvalidData");
		expect(
			(err as { message: string }).message.find("edited outside the library", 1, true)[0] !== undefined,
		).to.equal(true);
		expect(b.fields.GetStatistics().tampered >= 1).to.equal(true);
		// The refused load's release keeps a tamper mark: a refused load does not launder the edit.
		expect(waitUntil(() => stored(7102).DataMac?.t !== undefined, 20)).to.equal(true);
		const c = node({ current: "k1", keys: { k1: K1 } });
		expect(c.call(() => c.service.LoadPlayerData(7102).await())[0]).to.equal(false);
		// An admin accepts the edit as it is: signed again, it loads (with the edited coins) everywhere.
		c.call(() => c.service.acceptEditedProfile(7102));
		expect(stored(7102).DataMac?.t).to.equal(undefined);
		const d = node({ current: "k1", keys: { k1: K1 } });
		const loaded = d.call(() => d.service.LoadPlayerData(7102).expect());
		expect(loaded.coins).to.equal(1e9);
		expect(loaded.email).to.equal("bob@example.com");
	});

	it("refuses a profile stripped of its HMAC and sealed fields when the game says every profile is signed", () => {
		const a = node({ current: "k1", keys: { k1: K1 } });
		a.call(() => a.service.LoadPlayerData(7106).expect());
		a.call(() => a.service.UpdatePlayerData(7106, { email: "eve@example.com", coins: 10 }).expect());
		saveAndRelease(a, 7106);
		// Someone with DataStore write access removes the HMAC and the sealed field, then gives coins: the
		// document now looks like one saved before encryption was turned on.
		game.GetService("DataStoreService")
			.GetDataStore("PlayerData")
			.UpdateAsync("Player_7106", (value: unknown) => {
				const v = value as { DataMac?: unknown; Data: { data: { coins: number; email?: unknown } } };
				v.DataMac = undefined;
				v.Data.data.email = undefined;
				v.Data.data.coins = 1e9;
				return $tuple(v);
			});
		const b = node({ current: "k1", keys: { k1: K1 } }, {}, { refuseUnsigned: true });
		const [ok, err] = b.call(() => {
			const [done, result] = b.service.LoadPlayerData(7106).await();
			return [done, result] as const;
		});
		expect(ok).to.equal(false);
		expect((err as { kind: string }).kind).to.equal("InvalidData");
		expect((err as { message: string }).message.find("carries no HMAC", 1, true)[0] !== undefined).to.equal(true);
		expect(b.fields.GetStatistics().tampered >= 1).to.equal(true);
	});

	it("re-encrypts under the new master key on load, reading values sealed under the old one", () => {
		const a = node({ current: "k1", keys: { k1: K1 } });
		a.call(() => a.service.LoadPlayerData(7103).expect());
		a.call(() => a.service.UpdatePlayerData(7103, { email: "cy@example.com" }).expect());
		saveAndRelease(a, 7103);
		expect((stored(7103).Data.data.email as SealedValue).__enc).to.equal("k1");
		const b = node({ current: "k2", keys: { k1: K1, k2: K2 } });
		expect(b.call(() => b.service.LoadPlayerData(7103).expect()).email).to.equal("cy@example.com");
		expect(waitUntil(() => (stored(7103).Data.data.email as SealedValue).__enc === "k2", 20)).to.equal(true);
		expect(b.fields.GetStatistics().rotated).to.equal(1);
		// The old key can now leave the ring.
		saveAndRelease(b, 7103);
		const c = node({ current: "k2", keys: { k2: K2 } });
		expect(c.call(() => c.service.LoadPlayerData(7103).expect()).email).to.equal("cy@example.com");
	});

	it("makes erased players' sensitive fields unreadable in the profile, backups and audit entries", () => {
		const a = node({ current: "k1", keys: { k1: K1 } }, { enableBackups: true });
		a.call(() => a.service.LoadPlayerData(7104).expect());
		a.call(() => a.service.UpdatePlayerData(7104, { email: "dee@example.com", coins: 3 }).expect());
		const backup = a.call(() => a.service.GetBackupManager()!.CreateBackup(7104, "before").expect());
		a.call(() => a.audit.Flush().expect());
		// The backup holds ciphertext: its compressed payload opened shows no plaintext email.
		const dry = a.call(() =>
			a.service.GetBackupManager()!.RestorePlayer(7104, backup.time, { dryRun: true }).expect(),
		);
		expect((dry.data as Data).email).to.equal("dee@example.com"); // readable with the key
		const page = a.call(() => a.audit.QueryPlayer(7104).expect());
		let sealedInAudit: SealedValue | undefined;
		for (const record of page.records) {
			for (const change of record.entry.changes ?? []) {
				if (change.path === "email" && change.after !== undefined) sealedInAudit = change.after as SealedValue;
			}
		}
		expect(sealedInAudit).to.be.ok();
		expect(a.fields.isSealed(sealedInAudit!)).to.equal(true);
		expect(a.call(() => a.fields.openValue(7104, "email", sealedInAudit!)).ok).to.equal(true);
		a.call(() => a.fields.ErasePlayer(7104));
		expect(a.call(() => a.fields.openValue(7104, "email", sealedInAudit!)).ok).to.equal(false);
		const after = a.call(() =>
			a.service.GetBackupManager()!.RestorePlayer(7104, backup.time, { dryRun: true }).expect(),
		);
		expect((after.data as Partial<Data>).email).to.equal(undefined);
		expect((after.data as Data).coins).to.equal(3);
		// A fresh server with the same master key cannot read it either.
		const b = node({ current: "k1", keys: { k1: K1 } });
		expect(b.call(() => b.fields.openValue(7104, "email", sealedInAudit!)).ok).to.equal(false);
	});

	it("binds a ciphertext to its player and field: moved elsewhere it does not open", () => {
		const a = node({ current: "k1", keys: { k1: K1 } });
		a.call(() => {
			a.fields.prepare(7105);
			a.fields.prepare(7106);
		});
		const sealed = a.call(() => a.fields.sealValue(7105, "email", "eve@example.com"));
		expect(a.call(() => a.fields.openValue(7105, "email", sealed)).ok).to.equal(true);
		expect(a.call(() => a.fields.openValue(7106, "email", sealed)).ok).to.equal(false);
		expect(a.call(() => a.fields.openValue(7105, "realName", sealed)).ok).to.equal(false);
	});

	it("refuses a malformed key ring with a typed error naming the field", () => {
		const rings = game
			.GetService("ReplicatedStorage")
			.FindFirstChild("TS")!
			.FindFirstChild("core")!
			.FindFirstChild("security")!
			.FindFirstChild("KeyRing") as ModuleScript;
		const { KeyRing } = require(rings) as typeof import("shared/core/security/KeyRing");
		const cases: Array<[unknown, string]> = [
			[{ current: "k1", keys: { k1: "c2hvcnQ=" } }, "keys.k1"],
			[{ current: "k9", keys: { k1: K1 } }, "current"],
			[{ current: "k1", keys: { k1: 5 } }, "keys.k1"],
			[{ current: "k1" }, "keys"],
		];
		for (const [config, field] of cases) {
			const [ok, err] = pcall(() => new KeyRing(config as never));
			expect(ok).to.equal(false);
			expect((err as { kind: string }).kind).to.equal("InvalidArgument");
			expect((err as { message: string }).message.find(field, 1, true)[0] !== undefined).to.equal(true);
		}
	});
};
