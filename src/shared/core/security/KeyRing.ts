import { describe } from "../validator/nodes";
import { securityError } from "./SecurityError";

/** The EncodingService function the key ring decodes keys with. */
export interface Base64Decoder {
	Base64Decode(this: Base64Decoder, input: buffer): buffer;
}

/** A key ring as the game supplies it: 32-byte master keys as Base64 by key id, and the id to encrypt with. */
export interface KeyRingConfig {
	readonly current: string;
	readonly keys: { readonly [id: string]: string };
}

/**
 * The game's master keys, by id. New ciphertexts use `current`; older ids stay to read what was written
 * under them (re-encrypted under `current` at the next save: rotation). The keys come from the game, never
 * from a DataStore this library writes: a ModuleScript in ServerStorage (clients never receive it) or a
 * DataStore the game restricts. HttpService:GetSecret cannot be used: a Secret can only be placed in HTTP
 * requests, never read as text.
 *
 * @example
 * ```ts
 * const ring = new KeyRing(require(ServerStorage.Secrets.DataKeys) as KeyRingConfig);
 * ring.currentId(); // "2026-12"
 * ```
 */
export class KeyRing {
	private readonly keys = new Map<string, buffer>();
	private readonly current: string;

	/** @throws an `InvalidArgument` SecurityError naming the malformed field. */
	constructor(config: KeyRingConfig, base64: Base64Decoder = game.GetService("EncodingService")) {
		if (!typeIs(config, "table"))
			throw securityError("InvalidArgument", `key ring must be a table, got ${describe(config)}`);
		if (!typeIs(config.keys, "table")) {
			throw securityError(
				"InvalidArgument",
				`keys must be a table of Base64 keys by id, got ${describe(config.keys)}`,
			);
		}
		for (const [id, encoded] of pairs(config.keys)) {
			if (!typeIs(id, "string") || id.size() === 0 || id.size() > 16 || id.find("[^%w%-_%.]")[0] !== undefined) {
				throw securityError(
					"InvalidArgument",
					`keys: id ${describe(id)} must be 1-16 letters, digits, - _ or .`,
				);
			}
			if (!typeIs(encoded, "string")) {
				throw securityError("InvalidArgument", `keys.${id} must be a Base64 string, got ${describe(encoded)}`);
			}
			const [ok, raw] = pcall(() => base64.Base64Decode(buffer.fromstring(encoded)));
			if (!ok || buffer.len(raw as buffer) !== 32) {
				const got = ok ? `${buffer.len(raw as buffer)} bytes` : "text that is not Base64";
				throw securityError("InvalidArgument", `keys.${id} must be 32 bytes of Base64, got ${got}`);
			}
			this.keys.set(id, raw as buffer);
		}
		if (!typeIs(config.current, "string") || !this.keys.has(config.current)) {
			throw securityError(
				"InvalidArgument",
				`current must name one of the keys, got ${describe(config.current)}`,
			);
		}
		this.current = config.current;
	}

	/** The id new ciphertexts are written under. */
	currentId(): string {
		return this.current;
	}

	/** The key `id`, or undefined when the ring no longer holds it. */
	get(id: string): buffer | undefined {
		return this.keys.get(id);
	}
}
