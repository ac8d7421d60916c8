import { HttpService } from "@rbxts/services";
import { mapSensitive, parseSensitivePaths, SensitivePaths } from "../audit/redactSensitive";
import { DataAccessLayer } from "../DataAccessLayer";
import { canonicalJson } from "../dal/Canonical";
import { describe } from "../validator/nodes";
import type { Schema } from "../validator/Schema";
import { sensitivePathsOf } from "../validator/sensitivePathsOf";
import { aeadOpen, aeadSeal } from "./ChaCha20Poly1305";
import { equalBytes } from "./equalBytes";
import { BufferHasher, hmacSha256 } from "./HmacSha256";
import type { KeyRing } from "./KeyRing";
import { PlayerSecrets, randomBytes, SecretEncoding } from "./PlayerSecrets";
import { securityError } from "./SecurityError";

/** A sensitive value as stored: the master key id, and Base64 of nonce (12) || ciphertext || tag (16). */
export interface SealedValue {
	readonly __enc: string;
	readonly c: string;
}

/** The HMAC of a stored document: the master key id and the hex MAC, or a tamper mark `t` kept until accepted. */
export interface DocumentMac {
	readonly k?: string;
	readonly h?: string;
	readonly t?: string;
}

/** Configuration of a {@link FieldEncryption}. */
export interface FieldEncryptionConfig {
	readonly keyRing: KeyRing;
	/** The game's schema: its `sensitive: true` fields are encrypted. */
	readonly schema?: Schema;
	/** More dotted paths to encrypt (`*` for any key), the audit trail's format. */
	readonly sensitivePaths?: ReadonlyArray<string>;
	/** The players' secrets are read and written through it (default: a new one). */
	readonly dataAccessLayer?: DataAccessLayer;
	readonly encodingService?: SecretEncoding & BufferHasher;
	/** The DataStore of the players' secrets, one key per UserId (default "DataService.Keys"). */
	readonly storeName?: string;
	/**
	 * Refuse to load a stored profile that carries no HMAC (default false: such a profile is taken as one
	 * saved before encryption was turned on). Someone who can write the DataStore can strip a profile's
	 * HMAC and sealed fields and edit the rest; only a game whose every profile was saved with encryption on
	 * (new games, or once all were loaded since) can refuse them, and should.
	 */
	readonly refuseUnsigned?: boolean;
}

/** Counters of a {@link FieldEncryption}. */
export interface FieldEncryptionStats {
	sealed: number;
	opened: number;
	/** Values read under an older master key (written again under the current one at the next save). */
	rotated: number;
	/** Values whose player's key was erased: they read as absent. */
	shredded: number;
	/** Values whose tag did not verify or whose master key left the ring: they read as absent. */
	unreadable: number;
	/** Documents whose HMAC did not match (edited outside the library). */
	tampered: number;
}

const MAC_LABEL = buffer.fromstring("DataService document MAC");
const FIELD_LABEL = buffer.fromstring("DataService field key");

/**
 * Authenticated encryption of the fields a schema marks `sensitive: true` (ChaCha20-Poly1305, RFC 8439),
 * and an HMAC-SHA256 over whole stored documents. A field is encrypted under a key derived from the current
 * master key and the player's own random secret (`DataService.Keys/<UserId>`), with the player and the
 * field's path as associated data, so a ciphertext cannot be moved to another player or field. Erasing the
 * player's secret (crypto-shredding) leaves every copy of their ciphertexts unreadable: profile, backups,
 * audit entries.
 *
 * @example
 * ```ts
 * const fields = new FieldEncryption({ keyRing, schema: SCHEMA });
 * fields.prepare(123); // yields once per player
 * const stored = fields.sealData(123, { email: "a@b.c", coins: 5 }); // { email: { __enc: "k1", c: "..." }, coins: 5 }
 * fields.openData(123, stored).data; // { email: "a@b.c", coins: 5 }
 * ```
 */
export class FieldEncryption {
	private readonly rules: SensitivePaths;
	private readonly paths: ReadonlyArray<string>;
	private readonly secrets: PlayerSecrets;
	private readonly encoding: SecretEncoding & BufferHasher;
	private readonly fieldKeys = new Map<string, buffer>();
	private readonly macKeys = new Map<string, buffer>();
	/** The last sealing of each player's field: an unchanged value is not encrypted again at every save. */
	private readonly lastSealed = new Map<string, { json: string; sealed: SealedValue }>();
	private readonly stats: FieldEncryptionStats = {
		sealed: 0,
		opened: 0,
		rotated: 0,
		shredded: 0,
		unreadable: 0,
		tampered: 0,
	};

	/** @throws an `InvalidArgument` SecurityError naming the malformed field. */
	constructor(private readonly config: FieldEncryptionConfig) {
		if (!typeIs(config, "table"))
			throw securityError("InvalidArgument", `config must be a table, got ${describe(config)}`);
		if (!typeIs(config.keyRing, "table")) {
			throw securityError("InvalidArgument", `keyRing must be a KeyRing, got ${describe(config.keyRing)}`);
		}
		const paths = [...(config.sensitivePaths ?? [])];
		paths.forEach((p, i) => {
			if (!typeIs(p, "string")) {
				throw securityError(
					"InvalidArgument",
					`sensitivePaths[${i + 1}] must be a dotted path, got ${describe(p)}`,
				);
			}
		});
		if (config.schema !== undefined) for (const p of sensitivePathsOf(config.schema)) paths.push(p);
		this.paths = paths;
		this.rules = parseSensitivePaths(paths);
		this.encoding = config.encodingService ?? (game.GetService("EncodingService") as SecretEncoding & BufferHasher);
		this.secrets = new PlayerSecrets(
			config.dataAccessLayer ?? new DataAccessLayer({ warnings: false }),
			config.storeName ?? "DataService.Keys",
			this.encoding,
		);
	}

	/** True when a stored profile without an HMAC must be refused (see {@link FieldEncryptionConfig}). */
	refusesUnsigned(): boolean {
		return this.config.refuseUnsigned === true;
	}

	/** The dotted paths encrypted (the schema's sensitive fields and the extra ones). */
	sensitivePaths(): ReadonlyArray<string> {
		return this.paths;
	}

	/** Counters (a copy). */
	GetStatistics(): FieldEncryptionStats {
		return { ...this.stats };
	}

	/**
	 * Loads the player's secret, creating it when `create` (default true). Yields; what sealing and opening
	 * inside a DataStore transform (which must not yield) need first.
	 * @throws a `KeyUnavailable` SecurityError.
	 */
	prepare(userId: number, create = true): void {
		this.secrets.get(userId, create);
	}

	/** A copy of `data` with every sensitive value sealed. Yields only when the player's secret is not loaded. */
	sealData(userId: number, data: object): object {
		if (this.rules.size() === 0) return data;
		return mapSensitive(data, [], this.rules, (value, path) =>
			value === undefined || this.isSealed(value) ? value : this.sealValue(userId, path.join("."), value),
		) as object;
	}

	/**
	 * A copy of `data` with every sealed value opened. A value that cannot be opened (the player's key was
	 * erased, the tag does not verify, its master key left the ring) is left out.
	 * @returns the data, how many values were under an older master key, and the paths left out.
	 */
	openData(userId: number, data: object): { data: object; rotated: number; lost: Array<string> } {
		let rotated = 0;
		const lost = new Array<string>();
		if (this.rules.size() === 0) return { data, rotated, lost };
		const opened = mapSensitive(data, [], this.rules, (value, path) => {
			if (!this.isSealed(value)) return value;
			const result = this.openValue(userId, path.join("."), value);
			if (!result.ok) {
				lost.push(path.join("."));
				return undefined;
			}
			if (value.__enc !== this.config.keyRing.currentId()) rotated += 1;
			return result.value;
		}) as object;
		this.stats.rotated += rotated;
		return { data: opened, rotated, lost };
	}

	/** True for a value in the stored form. */
	isSealed(value: unknown): value is SealedValue {
		return (
			typeIs(value, "table") &&
			typeIs((value as SealedValue).__enc, "string") &&
			typeIs((value as SealedValue).c, "string")
		);
	}

	/** Seals one value of `userId` found at `path` (dotted). Yields only when the secret is not loaded. */
	sealValue(userId: number, path: string, value: unknown): SealedValue {
		const id = this.config.keyRing.currentId();
		const key = this.fieldKey(userId, id, true)!;
		const json = canonicalJson([value]);
		// Same plaintext, same key: the same ciphertext (it shows only what the stored copy shows anyway: no change).
		const slot = `${userId}/${id}/${path}`;
		const last = this.lastSealed.get(slot);
		if (last !== undefined && last.json === json) return last.sealed;
		const nonce = randomBytes(this.encoding, 12);
		const sealed = aeadSeal(key, nonce, buffer.fromstring(json), this.aad(userId, path));
		const out = buffer.create(12 + buffer.len(sealed));
		buffer.copy(out, 0, nonce);
		buffer.copy(out, 12, sealed);
		this.stats.sealed += 1;
		const result = { __enc: id, c: buffer.tostring(this.encoding.Base64Encode(out)) };
		this.lastSealed.set(slot, { json, sealed: result });
		return result;
	}

	/** Opens one sealed value; `{ ok: false, why }` when it cannot be read. */
	openValue(
		userId: number,
		path: string,
		sealed: SealedValue,
	): { ok: true; value: unknown } | { ok: false; why: "shredded" | "unreadable" } {
		const key = this.fieldKey(userId, sealed.__enc, false);
		if (key === undefined) {
			const shredded = this.secrets.cached(userId) === false;
			if (shredded) this.stats.shredded += 1;
			else this.stats.unreadable += 1;
			return { ok: false, why: shredded ? "shredded" : "unreadable" };
		}
		const [decoded, raw] = pcall(() => this.encoding.Base64Decode(buffer.fromstring(sealed.c)));
		if (!decoded || buffer.len(raw as buffer) < 28) {
			this.stats.unreadable += 1;
			return { ok: false, why: "unreadable" };
		}
		const bytes = raw as buffer;
		const nonce = buffer.create(12);
		buffer.copy(nonce, 0, bytes, 0, 12);
		const body = buffer.create(buffer.len(bytes) - 12);
		buffer.copy(body, 0, bytes, 12);
		const plain = aeadOpen(key, nonce, body, this.aad(userId, path));
		if (plain === undefined) {
			this.stats.unreadable += 1;
			return { ok: false, why: "unreadable" };
		}
		this.stats.opened += 1;
		return { ok: true, value: (HttpService.JSONDecode(buffer.tostring(plain)) as Array<unknown>)[0] };
	}

	/** The HMAC of a stored document (its canonical JSON) under the current master key. */
	signDocument(document: unknown): DocumentMac {
		const id = this.config.keyRing.currentId();
		return { k: id, h: this.macOf(id, document)! };
	}

	/**
	 * Whether `mac` is the HMAC of `document` under the master key it names (false for a tamper mark or a key
	 * that left the ring). Counts a mismatch as tampered.
	 */
	verifyDocument(document: unknown, mac: DocumentMac | undefined): boolean {
		const ok =
			mac !== undefined &&
			typeIs(mac.k, "string") &&
			typeIs(mac.h, "string") &&
			mac.t === undefined &&
			this.macOf(mac.k, document) !== undefined &&
			equalBytes(buffer.fromstring(this.macOf(mac.k, document)!), buffer.fromstring(mac.h));
		if (!ok) this.stats.tampered += 1;
		return ok;
	}

	/**
	 * Crypto-shredding: removes the player's secret, so every ciphertext of theirs (profile, backups, audit
	 * entries) can no longer be opened, with any master key. Yields.
	 */
	ErasePlayer(userId: number): void {
		this.secrets.erase(userId);
		this.forgetKeys(userId);
	}

	/** Forgets a player's cached secret and keys (a player who left). */
	forget(userId: number): void {
		this.secrets.forget(userId);
		this.forgetKeys(userId);
	}

	private forgetKeys(userId: number): void {
		const prefix = `${userId}/`;
		for (const [name] of this.fieldKeys) if (name.sub(1, prefix.size()) === prefix) this.fieldKeys.delete(name);
		for (const [name] of this.lastSealed) if (name.sub(1, prefix.size()) === prefix) this.lastSealed.delete(name);
	}

	private aad(userId: number, path: string): buffer {
		return buffer.fromstring(`${userId}:${path}`);
	}

	/** HMAC(master[id], secret || label): the player's key under master key `id`. */
	private fieldKey(userId: number, id: string, create: boolean): buffer | undefined {
		const name = `${userId}/${id}`;
		const cached = this.fieldKeys.get(name);
		if (cached !== undefined) return cached;
		const master = this.config.keyRing.get(id);
		if (master === undefined) return undefined;
		const secret = this.secrets.get(userId, create);
		if (secret === undefined) return undefined;
		const input = buffer.create(32 + buffer.len(FIELD_LABEL));
		buffer.copy(input, 0, secret);
		buffer.copy(input, 32, FIELD_LABEL);
		const key = hmacSha256(this.encoding, master, input);
		this.fieldKeys.set(name, key);
		return key;
	}

	private macOf(id: string, document: unknown): string | undefined {
		let key = this.macKeys.get(id);
		if (key === undefined) {
			const master = this.config.keyRing.get(id);
			if (master === undefined) return undefined;
			key = hmacSha256(this.encoding, master, MAC_LABEL);
			this.macKeys.set(id, key);
		}
		const mac = hmacSha256(this.encoding, key, buffer.fromstring(canonicalJson(document)));
		const parts = new Array<string>();
		for (let i = 0; i < 32; i++) parts.push(string.format("%02x", buffer.readu8(mac, i)));
		return parts.join("");
	}
}
