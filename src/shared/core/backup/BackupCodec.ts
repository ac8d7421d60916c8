import { canonicalJson } from "../dal/Canonical";

/** The EncodingService methods the codec calls (injectable: tests and other runtimes pass their own). */
export interface EncodingLike {
	ComputeBufferHash(input: buffer, algorithm: Enum.HashAlgorithm): buffer;
	CompressBuffer(input: buffer, algorithm: Enum.CompressionAlgorithm): buffer;
	DecompressBuffer(input: buffer, algorithm: Enum.CompressionAlgorithm): buffer;
	Base64Encode(input: buffer): buffer;
	Base64Decode(input: buffer): buffer;
}

/** A backup's payload ready to store. */
export interface SealedPayload {
	/** SHA-256 of the JSON, hex. */
	readonly h: string;
	/** JSON length. */
	readonly n: number;
	/** Base64 of the Zstd-compressed JSON. */
	readonly z: string;
}

/** Why a stored payload cannot be trusted. */
export type OpenFailure = "undecodable" | "checksum";

function hex(bytes: buffer): string {
	const parts = new Array<string>();
	for (let i = 0; i < buffer.len(bytes); i++) parts.push(string.format("%02x", buffer.readu8(bytes, i)));
	return parts.join("");
}

/**
 * Compresses and checksums player data for a backup, and opens it again only if the checksum matches.
 *
 * @example
 * ```ts
 * const codec = new BackupCodec(game.GetService("EncodingService"));
 * const sealed = codec.seal({ coins: 5 });
 * const opened = codec.open(sealed); // { ok: true, data: { coins: 5 } }
 * ```
 */
export class BackupCodec {
	constructor(private readonly encoding: EncodingLike) {}

	/** SHA-256 of `text`, 64 hex digits. */
	sha256(text: string): string {
		return hex(this.encoding.ComputeBufferHash(buffer.fromstring(text), Enum.HashAlgorithm.Sha256));
	}

	/**
	 * @throws a NotStorable DataError (from canonicalJson) when `data` cannot be stored.
	 */
	seal(data: unknown): SealedPayload {
		const json = canonicalJson(data, "backup");
		const compressed = this.encoding.CompressBuffer(buffer.fromstring(json), Enum.CompressionAlgorithm.Zstd);
		return { h: this.sha256(json), n: json.size(), z: buffer.tostring(this.encoding.Base64Encode(compressed)) };
	}

	/**
	 * Decodes a stored payload and verifies its SHA-256. Never returns data that failed verification.
	 * @returns `{ ok: true, data }`, or `{ ok: false, failure }` naming what was wrong.
	 */
	open(payload: SealedPayload): { ok: true; data: unknown } | { ok: false; failure: OpenFailure } {
		const [decoded, json] = pcall(() => {
			if (!typeIs(payload.z, "string")) error("z is not a string");
			const compressed = this.encoding.Base64Decode(buffer.fromstring(payload.z));
			return buffer.tostring(this.encoding.DecompressBuffer(compressed, Enum.CompressionAlgorithm.Zstd));
		});
		if (!decoded) return { ok: false, failure: "undecodable" };
		if (this.sha256(json as string) !== payload.h) return { ok: false, failure: "checksum" };
		const [parsed, data] = pcall(() => game.GetService("HttpService").JSONDecode(json as string));
		if (!parsed) return { ok: false, failure: "undecodable" };
		return { ok: true, data };
	}
}
