/**
 * Poly1305 (RFC 8439, section 2.5) on Luau buffers. The 130-bit arithmetic uses 17 limbs of 8 bits (the
 * layout of TweetNaCl's reference code): every product and sum stays below 2^31, exact in a double, which
 * a 26-bit-limb layout would not be without 64-bit integers.
 */

const MINUS_P = [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 252];

function add(h: Array<number>, c: ReadonlyArray<number>): void {
	let u = 0;
	for (let j = 0; j < 17; j++) {
		u += h[j] + c[j];
		h[j] = u % 256;
		u = math.floor(u / 256);
	}
}

/**
 * The 16-byte Poly1305 tag of `message` under a one-time `key` (32 bytes: r, then s).
 * @example
 * ```ts
 * const tag = poly1305(otk, macData);
 * ```
 */
export function poly1305(key: buffer, message: buffer): buffer {
	if (buffer.len(key) !== 32) error(`Poly1305 key must be 32 bytes, got ${buffer.len(key)}`, 2);
	const r = new Array<number>(17, 0);
	const h = new Array<number>(17, 0);
	const c = new Array<number>(17, 0);
	const x = new Array<number>(17, 0);
	for (let j = 0; j < 16; j++) r[j] = buffer.readu8(key, j);
	// Clamp r (RFC 8439 2.5.1).
	r[3] %= 16;
	r[4] -= r[4] % 4;
	r[7] %= 16;
	r[8] -= r[8] % 4;
	r[11] %= 16;
	r[12] -= r[12] % 4;
	r[15] %= 16;
	const size = buffer.len(message);
	let offset = 0;
	while (offset < size) {
		const take = math.min(16, size - offset);
		for (let j = 0; j < 17; j++) c[j] = 0;
		for (let j = 0; j < take; j++) c[j] = buffer.readu8(message, offset + j);
		c[take] = 1;
		offset += take;
		add(h, c);
		for (let i = 0; i < 17; i++) {
			let sum = 0;
			for (let j = 0; j < 17; j++) sum += h[j] * (j <= i ? r[i - j] : 320 * r[i + 17 - j]);
			x[i] = sum;
		}
		for (let i = 0; i < 17; i++) h[i] = x[i];
		let u = 0;
		for (let j = 0; j < 16; j++) {
			u += h[j];
			h[j] = u % 256;
			u = math.floor(u / 256);
		}
		u += h[16];
		h[16] = u % 4;
		u = 5 * math.floor(u / 4);
		for (let j = 0; j < 16; j++) {
			u += h[j];
			h[j] = u % 256;
			u = math.floor(u / 256);
		}
		u += h[16];
		h[16] = u;
	}
	// Final reduction: h - p if h >= p.
	const g = [...h];
	add(h, MINUS_P);
	if (h[16] >= 128) for (let j = 0; j < 17; j++) h[j] = g[j];
	for (let j = 0; j < 16; j++) c[j] = buffer.readu8(key, j + 16);
	c[16] = 0;
	add(h, c);
	const tag = buffer.create(16);
	for (let j = 0; j < 16; j++) buffer.writeu8(tag, j, h[j]);
	return tag;
}
