import { CacheError } from "./CacheError";
import type { Codec } from "./Codec";

// Format (little endian): magic u8 0x4C, version u8 1, raw length u32, checksum u32, then LZ4-style
// sequences. A sequence is a token (high nibble: literal count, low nibble: match length - 4; 15 means
// more length bytes follow, each 255 meaning "add 255 and read on"), the literals, then, unless the
// sequence is the last, a u16 back offset (1..65535) and the extra match length bytes.
const MAGIC = 0x4c;
const VERSION = 1;
const HEADER = 10;
const MIN_MATCH = 4;
const MAX_OFFSET = 65535;
const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
const TWO_32 = 4294967296;

function corrupt(reason: string): never {
	throw new CacheError("CorruptEntry", `compressed entry is damaged: ${reason}`);
}

/**
 * Adler-32 over little-endian 32-bit words (and the trailing bytes): a change to any one byte changes the
 * sum, because 65521 is prime and divides no byte difference times a power of 256.
 */
function checksum(data: buffer, length: number) {
	let a = 1;
	let b = 0;
	let i = 0;
	const words = length - (length % 4);
	while (i < words) {
		// Reduce once per 1,024 words: a stays below 2^43 and b below 2^52, exact in a double.
		const stop = math.min(words, i + 4096);
		while (i < stop) {
			a += buffer.readu32(data, i);
			b += a;
			i += 4;
		}
		a %= 65521;
		b %= 65521;
	}
	while (i < length) {
		a = (a + buffer.readu8(data, i)) % 65521;
		b = (b + a) % 65521;
		i += 1;
	}
	return b * 65536 + a;
}

function writeLength(out: buffer, op: number, extra: number) {
	while (extra >= 255) {
		buffer.writeu8(out, op, 255);
		op += 1;
		extra -= 255;
	}
	buffer.writeu8(out, op, extra);
	return op + 1;
}

/**
 * An LZ77 compressor in the LZ4 family, written on Luau's `buffer` library: a greedy parse with a
 * 16 384-slot hash table of 4-byte sequences and a 64 KiB window. The output carries the original length
 * and a checksum, so damage is detected on decompression instead of returning wrong data.
 *
 * No roblox-ts package for compression was found on the npm registry (@rbxts/lz4, zlib, lzw, deflate,
 * compress and lz-string do not exist), hence this module.
 *
 * @example
 * ```ts
 * const codec = new LzCodec();
 * const packed = codec.compress(HttpService.JSONEncode(profile));
 * const profileAgain = HttpService.JSONDecode(codec.decompress(packed));
 * ```
 */
export class LzCodec implements Codec {
	/**
	 * Compresses `text`.
	 * @param text any string (binary is fine)
	 * @returns the compressed bytes, header included
	 */
	compress(text: string): buffer {
		const src = buffer.fromstring(text);
		const n = buffer.len(src);
		const out = buffer.create(HEADER + n + math.floor(n / 255) + 16);
		buffer.writeu8(out, 0, MAGIC);
		buffer.writeu8(out, 1, VERSION);
		buffer.writeu32(out, 2, n);
		buffer.writeu32(out, 6, checksum(src, n));
		// Slot h holds (position + 1) of the last 4-byte sequence hashing to h; 0 is empty.
		const hashTable = buffer.create(4 << HASH_BITS);
		let op = HEADER;
		let anchor = 0;
		let ip = 0;
		const matchLimit = n - MIN_MATCH;
		while (ip <= matchLimit) {
			const sequence = buffer.readu32(src, ip);
			const slot = bit32.rshift((sequence * 40503) % TWO_32, HASH_SHIFT) * 4;
			const ref = buffer.readu32(hashTable, slot) - 1;
			buffer.writeu32(hashTable, slot, ip + 1);
			if (ref >= 0 && ip - ref <= MAX_OFFSET && buffer.readu32(src, ref) === sequence) {
				let length = MIN_MATCH;
				while (ip + length + 4 <= n && buffer.readu32(src, ref + length) === buffer.readu32(src, ip + length)) {
					length += 4;
				}
				while (ip + length < n && buffer.readu8(src, ref + length) === buffer.readu8(src, ip + length)) {
					length += 1;
				}
				const literals = ip - anchor;
				const matchExtra = length - MIN_MATCH;
				const tokenAt = op;
				op += 1;
				if (literals >= 15) op = writeLength(out, op, literals - 15);
				buffer.copy(out, op, src, anchor, literals);
				op += literals;
				buffer.writeu16(out, op, ip - ref);
				op += 2;
				if (matchExtra >= 15) op = writeLength(out, op, matchExtra - 15);
				buffer.writeu8(out, tokenAt, math.min(literals, 15) * 16 + math.min(matchExtra, 15));
				ip += length;
				anchor = ip;
			} else {
				ip += 1;
			}
		}
		const literals = n - anchor;
		buffer.writeu8(out, op, math.min(literals, 15) * 16);
		op += 1;
		if (literals >= 15) op = writeLength(out, op, literals - 15);
		buffer.copy(out, op, src, anchor, literals);
		op += literals;
		const result = buffer.create(op);
		buffer.copy(result, 0, out, 0, op);
		return result;
	}

	/**
	 * Restores the text compressed by `compress`.
	 * @param data the compressed bytes
	 * @returns the original text
	 * @throws CacheError `CorruptEntry` when the header, a length, an offset or the checksum is wrong
	 */
	decompress(data: buffer): string {
		const size = buffer.len(data);
		if (size < HEADER + 1) corrupt(`${size} bytes is shorter than any valid entry`);
		if (buffer.readu8(data, 0) !== MAGIC || buffer.readu8(data, 1) !== VERSION) corrupt("unknown header");
		const n = buffer.readu32(data, 2);
		const expected = buffer.readu32(data, 6);
		// A valid stream cannot expand more than 255 times per byte of input; this bounds the allocation.
		if (n > size * 255) corrupt(`claims ${n} bytes from ${size}`);
		const out = buffer.create(n);
		let ip = HEADER;
		let op = 0;
		for (;;) {
			if (ip >= size) corrupt("truncated sequence");
			const token = buffer.readu8(data, ip);
			ip += 1;
			let literals = bit32.rshift(token, 4);
			if (literals === 15) {
				let extra = 255;
				while (extra === 255) {
					if (ip >= size) corrupt("truncated literal length");
					extra = buffer.readu8(data, ip);
					ip += 1;
					literals += extra;
				}
			}
			if (ip + literals > size || op + literals > n) corrupt("literals run past the end");
			buffer.copy(out, op, data, ip, literals);
			ip += literals;
			op += literals;
			if (ip === size) break;
			if (ip + 2 > size) corrupt("truncated offset");
			const offset = buffer.readu16(data, ip);
			ip += 2;
			if (offset === 0 || offset > op) corrupt(`offset ${offset} at output byte ${op}`);
			let length = (token % 16) + MIN_MATCH;
			if (length === 15 + MIN_MATCH) {
				let extra = 255;
				while (extra === 255) {
					if (ip >= size) corrupt("truncated match length");
					extra = buffer.readu8(data, ip);
					ip += 1;
					length += extra;
				}
			}
			if (op + length > n) corrupt("match runs past the end");
			const from = op - offset;
			if (offset >= length) {
				buffer.copy(out, op, out, from, length);
				op += length;
			} else {
				// Overlapping match: the copy repeats the last `offset` bytes, so copy in growing chunks.
				const stop = op + length;
				while (op < stop) {
					const chunk = math.min(op - from, stop - op);
					buffer.copy(out, op, out, from, chunk);
					op += chunk;
				}
			}
		}
		if (op !== n) corrupt(`decoded ${op} of ${n} bytes`);
		if (checksum(out, n) !== expected) corrupt("checksum mismatch");
		return buffer.tostring(out);
	}
}
