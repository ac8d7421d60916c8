/**
 * ChaCha20 (RFC 8439, section 2.3-2.4) on Luau buffers, 32-bit words through bit32. Written here because
 * the npm implementations (@noble/ciphers, @stablelib/chacha) are built on Uint8Array and typed arrays,
 * which roblox-ts does not compile; no @rbxts package provides a cipher. Checked against RFC 8439's test
 * vectors and Node's OpenSSL in test/specs/security/ChaCha20Poly1305.spec.ts.
 */

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;
const MASK = 0xffffffff;

const state = new Array<number>(16, 0);
const working = new Array<number>(16, 0);

function quarterRound(x: Array<number>, a: number, b: number, c: number, d: number): void {
	x[a] = bit32.band(x[a] + x[b], MASK);
	x[d] = bit32.lrotate(bit32.bxor(x[d], x[a]), 16);
	x[c] = bit32.band(x[c] + x[d], MASK);
	x[b] = bit32.lrotate(bit32.bxor(x[b], x[c]), 12);
	x[a] = bit32.band(x[a] + x[b], MASK);
	x[d] = bit32.lrotate(bit32.bxor(x[d], x[a]), 8);
	x[c] = bit32.band(x[c] + x[d], MASK);
	x[b] = bit32.lrotate(bit32.bxor(x[b], x[c]), 7);
}

/** Fills `working` with the block function's output words for (key, counter, nonce). */
function block(key: buffer, counter: number, nonce: buffer): Array<number> {
	state[0] = SIGMA0;
	state[1] = SIGMA1;
	state[2] = SIGMA2;
	state[3] = SIGMA3;
	for (let i = 0; i < 8; i++) state[4 + i] = buffer.readu32(key, i * 4);
	state[12] = counter;
	state[13] = buffer.readu32(nonce, 0);
	state[14] = buffer.readu32(nonce, 4);
	state[15] = buffer.readu32(nonce, 8);
	for (let i = 0; i < 16; i++) working[i] = state[i];
	for (let round = 0; round < 10; round++) {
		quarterRound(working, 0, 4, 8, 12);
		quarterRound(working, 1, 5, 9, 13);
		quarterRound(working, 2, 6, 10, 14);
		quarterRound(working, 3, 7, 11, 15);
		quarterRound(working, 0, 5, 10, 15);
		quarterRound(working, 1, 6, 11, 12);
		quarterRound(working, 2, 7, 8, 13);
		quarterRound(working, 3, 4, 9, 14);
	}
	for (let i = 0; i < 16; i++) working[i] = bit32.band(working[i] + state[i], MASK);
	return working;
}

function checkSizes(key: buffer, nonce: buffer): void {
	if (buffer.len(key) !== 32) error(`ChaCha20 key must be 32 bytes, got ${buffer.len(key)}`, 3);
	if (buffer.len(nonce) !== 12) error(`ChaCha20 nonce must be 12 bytes, got ${buffer.len(nonce)}`, 3);
}

/**
 * The 64-byte keystream block for (key, counter, nonce): RFC 8439 section 2.3.
 * @param key - 32 bytes.
 * @param counter - the 32-bit block counter.
 * @param nonce - 12 bytes.
 * @example
 * ```ts
 * const otk = chacha20Block(key, 0, nonce); // Poly1305's one-time key is its first 32 bytes
 * ```
 */
export function chacha20Block(key: buffer, counter: number, nonce: buffer): buffer {
	checkSizes(key, nonce);
	const words = block(key, counter, nonce);
	const out = buffer.create(64);
	for (let i = 0; i < 16; i++) buffer.writeu32(out, i * 4, words[i]);
	return out;
}

/**
 * Encrypts or decrypts (the same operation) `input` from block `counter` on: RFC 8439 section 2.4.
 * @returns a new buffer of the input's length.
 * @example
 * ```ts
 * const ciphertext = chacha20Xor(key, 1, nonce, plaintext);
 * ```
 */
export function chacha20Xor(key: buffer, counter: number, nonce: buffer, input: buffer): buffer {
	checkSizes(key, nonce);
	const size = buffer.len(input);
	const out = buffer.create(size);
	let offset = 0;
	while (offset < size) {
		const words = block(key, counter, nonce);
		counter = bit32.band(counter + 1, MASK);
		const take = math.min(64, size - offset);
		const whole = take - (take % 4);
		for (let i = 0; i < whole; i += 4) {
			buffer.writeu32(out, offset + i, bit32.bxor(buffer.readu32(input, offset + i), words[i / 4]));
		}
		for (let i = whole; i < take; i++) {
			const byte = bit32.band(bit32.rshift(words[math.floor(i / 4)], (i % 4) * 8), 0xff);
			buffer.writeu8(out, offset + i, bit32.bxor(buffer.readu8(input, offset + i), byte));
		}
		offset += take;
	}
	return out;
}
