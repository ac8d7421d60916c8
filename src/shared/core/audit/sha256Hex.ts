/** The EncodingService method the audit trail hashes with (injectable for specs). */
export interface EncodingServiceLike {
	ComputeStringHash(input: string, algorithm: Enum.HashAlgorithm): string;
}

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
	const [hex] = string.gsub(digest, ".", (c: string) => string.format("%02x", string.byte(c)[0]));
	return hex;
}
