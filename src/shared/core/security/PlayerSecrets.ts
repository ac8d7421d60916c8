import { HttpService } from "@rbxts/services";
import type { DataAccessLayer } from "../DataAccessLayer";
import { securityError } from "./SecurityError";

/** The EncodingService functions secrets need. */
export interface SecretEncoding {
	ComputeBufferHash(this: SecretEncoding, input: buffer, algorithm: Enum.HashAlgorithm): buffer;
	Base64Encode(this: SecretEncoding, input: buffer): buffer;
	Base64Decode(this: SecretEncoding, input: buffer): buffer;
}

let counter = 0;

/**
 * Up to 32 unpredictable bytes: SHA-256 over two GUIDs (HttpService:GenerateGUID, random version-4 UUIDs,
 * 244 random bits), a counter and the clock. Roblox offers no other source of randomness for servers;
 * Random.new is seeded and predictable.
 */
export function randomBytes(encoding: SecretEncoding, count: number): buffer {
	counter += 1;
	const seed = `${HttpService.GenerateGUID(false)}${HttpService.GenerateGUID(false)}${counter}${os.clock()}`;
	const digest = encoding.ComputeBufferHash(buffer.fromstring(seed), Enum.HashAlgorithm.Sha256);
	const out = buffer.create(count);
	buffer.copy(out, 0, digest, 0, count);
	return out;
}

/**
 * One random 32-byte secret per player, in its own DataStore key (`<store>/<UserId>`, an erasure template),
 * read through the DataAccessLayer and kept in memory. A field key is derived from it and a master key, so
 * the secret alone opens nothing; removing it (crypto-shredding) makes every ciphertext of the player
 * unreadable wherever it was copied (profile, backups, audit entries, exports).
 *
 * @example
 * ```ts
 * const secrets = new PlayerSecrets(dal, "DataService.Keys", EncodingService);
 * const secret = secrets.get(123, true); // yields on first use; creates it
 * ```
 */
export class PlayerSecrets {
	/** false: known to have none. */
	private readonly cache = new Map<number, buffer | false>();

	constructor(
		private readonly dal: DataAccessLayer,
		private readonly storeName: string,
		private readonly encoding: SecretEncoding,
	) {}

	/** The cached secret, without yielding (undefined when not loaded yet, false when the player has none). */
	cached(userId: number): buffer | false | undefined {
		return this.cache.get(userId);
	}

	/**
	 * The player's secret, read once (yields); `create` makes one when there is none.
	 * @throws a `KeyUnavailable` SecurityError when the read or write failed.
	 */
	get(userId: number, create: boolean): buffer | undefined {
		const known = this.cache.get(userId);
		if (known !== undefined && (known !== false || !create)) return known === false ? undefined : known;
		const ref = { store: this.storeName, key: tostring(userId) };
		const fresh = buffer.tostring(this.encoding.Base64Encode(randomBytes(this.encoding, 32)));
		const [ok, result] = pcall(() =>
			create
				? this.dal
						.update<{ s: string }>(ref, (current) => current ?? { s: fresh }, { priority: "critical" })
						.expect()
				: this.dal.read<{ s: string }>(ref, { useCache: false, priority: "critical" }).expect(),
		);
		if (!ok) {
			throw securityError(
				"KeyUnavailable",
				`the key of player ${userId} could not be read: ${tostring((result as { message?: string })?.message ?? result)}`,
			);
		}
		const stored = result?.data.s;
		if (stored === undefined) {
			this.cache.set(userId, false);
			return undefined;
		}
		const secret = this.encoding.Base64Decode(buffer.fromstring(stored));
		this.cache.set(userId, secret);
		return secret;
	}

	/** Removes the player's secret from the store and from memory (crypto-shredding). Yields. */
	erase(userId: number): void {
		this.dal.remove({ store: this.storeName, key: tostring(userId) }, { priority: "critical" }).expect();
		this.cache.set(userId, false);
	}

	/** Forgets a player's cached secret (it is read again when needed). */
	forget(userId: number): void {
		this.cache.delete(userId);
	}
}
