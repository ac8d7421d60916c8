/** The EncodingService method the audit trail hashes with (injectable for specs). */
export interface EncodingServiceLike {
	ComputeStringHash(input: string, algorithm: Enum.HashAlgorithm): string;
}

/** Each byte's two hex digits: one table lookup per byte instead of a string.format call (a hash per entry). */
const HEX = new Map<string, string>();
for (let byte = 0; byte < 256; byte++) HEX.set(string.char(byte), string.format("%02x", byte));

/**
 * The SHA-256 of `text` as 64 lowercase hex digits, computed by EncodingService
 * (reference/engine/classes/EncodingService: ComputeStringHash returns the raw digest bytes as a string).
 * @example
 * ```ts
 * sha256Hex(game.GetService("EncodingService"), "abc"); // "ba7816bf..."
 * ```
 */
export function sha256Hex(encoding: EncodingServiceLike, text: string): string {
	const digest = encoding.ComputeStringHash(text, Enum.HashAlgorithm.Sha256);
	const [hex] = string.gsub(digest, ".", HEX);
	return hex;
}
