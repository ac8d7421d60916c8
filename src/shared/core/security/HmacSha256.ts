/** The EncodingService function HMAC needs (injectable; Roblox's EncodingService:ComputeBufferHash). */
export interface BufferHasher {
	ComputeBufferHash(this: BufferHasher, input: buffer, algorithm: Enum.HashAlgorithm): buffer;
}

const BLOCK = 64;

/**
 * HMAC-SHA256 (RFC 2104) over EncodingService's SHA-256 of buffers: EncodingService has hashes but no HMAC
 * (reference/engine/classes/EncodingService, ComputeBufferHash). Checked against RFC 4231's vectors.
 * @returns the 32-byte MAC.
 * @example
 * ```ts
 * const mac = hmacSha256(game.GetService("EncodingService"), key, buffer.fromstring(document));
 * ```
 */
export function hmacSha256(hasher: BufferHasher, key: buffer, message: buffer): buffer {
	const sha256 = (input: buffer) => hasher.ComputeBufferHash(input, Enum.HashAlgorithm.Sha256);
	let k = key;
	if (buffer.len(k) > BLOCK) k = sha256(k);
	const inner = buffer.create(BLOCK + buffer.len(message));
	const outer = buffer.create(BLOCK + 32);
	for (let i = 0; i < BLOCK; i++) {
		const byte = i < buffer.len(k) ? buffer.readu8(k, i) : 0;
		buffer.writeu8(inner, i, bit32.bxor(byte, 0x36));
		buffer.writeu8(outer, i, bit32.bxor(byte, 0x5c));
	}
	buffer.copy(inner, BLOCK, message);
	buffer.copy(outer, BLOCK, sha256(inner));
	return sha256(outer);
}
