/**
 * The hashes and the Zstandard codec the emulated EncodingService calls on the Node side
 * (create.roblox.com/docs/reference/engine/classes/EncodingService, reference/engine/enums/HashAlgorithm).
 * Bytes cross the Luau boundary as Base64 text: luau-web turns Luau strings into JavaScript strings as
 * UTF-8, which would mangle binary data. Every function returns Base64 text, or a message starting with
 * "!" when the input cannot be processed, so nothing throws across the boundary.
 *
 * MD5, SHA-1 and SHA-256 come from Node's crypto; Node 20's crypto has no BLAKE3 and only a 64-byte
 * BLAKE2b, while Roblox's Blake2b digest is 32 bytes, so both come from @noble/hashes (audited, pure
 * JavaScript, no dependencies). Zstd is the reference C library compiled to WebAssembly
 * (@bokuweb/zstd-wasm); its .wasm file ships in the package, so nothing is downloaded at run time.
 */
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { blake2b } from "@noble/hashes/blake2.js";
import { blake3 } from "@noble/hashes/blake3.js";

const require = createRequire(import.meta.url);
const zstd = require("@bokuweb/zstd-wasm");

const HASHES = {
	Md5: (bytes) => crypto.createHash("md5").update(bytes).digest(),
	Sha1: (bytes) => crypto.createHash("sha1").update(bytes).digest(),
	Sha256: (bytes) => crypto.createHash("sha256").update(bytes).digest(),
	Blake2b: (bytes) => Buffer.from(blake2b(bytes, { dkLen: 32 })),
	Blake3: (bytes) => Buffer.from(blake3(bytes)),
};

/** Loads the Zstandard WebAssembly module; call once before the VM runs. */
export async function initCodecs() {
	await zstd.init();
}

const fromBase64 = (text) => Buffer.from(text, "base64");

/** The digest of the bytes `base64` stands for, by Enum.HashAlgorithm name. */
export function hash(algorithm, base64) {
	const fn = HASHES[algorithm];
	if (!fn) return `!unknown hash algorithm ${algorithm}`;
	return fn(fromBase64(base64)).toString("base64");
}

/** A Zstandard frame holding the bytes `base64` stands for, at `level`. */
export function zstdCompress(base64, level) {
	try {
		return Buffer.from(zstd.compress(fromBase64(base64), level)).toString("base64");
	} catch (error) {
		return `!${error?.message ?? error}`;
	}
}

/** The bytes of the Zstandard frame `base64` stands for. */
export function zstdDecompress(base64) {
	try {
		return Buffer.from(zstd.decompress(fromBase64(base64))).toString("base64");
	} catch (error) {
		return `!${error?.message ?? error}`;
	}
}

/**
 * The content size a Zstandard frame header declares (RFC 8878, 3.1.1.1), or -1 when the input is not a
 * frame or the header does not say.
 */
export function zstdFrameSize(base64) {
	const b = fromBase64(base64);
	if (b.length < 5 || b.readUInt32LE(0) !== 0xfd2fb528) return -1;
	const descriptor = b[4];
	const fcsFlag = descriptor >> 6;
	const singleSegment = (descriptor >> 5) & 1;
	const dictionaryBytes = [0, 1, 2, 4][descriptor & 3];
	const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag];
	if (fcsBytes === 0) return -1;
	const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
	if (b.length < at + fcsBytes) return -1;
	if (fcsBytes === 1) return b[at];
	if (fcsBytes === 2) return b.readUInt16LE(at) + 256;
	if (fcsBytes === 4) return b.readUInt32LE(at);
	return Number(b.readBigUInt64LE(at));
}
