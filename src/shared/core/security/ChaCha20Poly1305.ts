import { chacha20Block, chacha20Xor } from "./ChaCha20";
import { equalBytes } from "./equalBytes";
import { poly1305 } from "./Poly1305";

/** Bytes of the authentication tag appended to a ciphertext. */
export const TAG_SIZE = 16;

function padded(size: number): number {
	return size % 16 === 0 ? size : size + 16 - (size % 16);
}

/** aad || pad16 || ciphertext || pad16 || le64(aad length) || le64(ciphertext length) (RFC 8439 2.8). */
function tagOf(key: buffer, nonce: buffer, aad: buffer, ciphertext: buffer, ciphertextSize: number): buffer {
	const otk = buffer.create(32);
	buffer.copy(otk, 0, chacha20Block(key, 0, nonce), 0, 32);
	const aadSize = buffer.len(aad);
	const at = padded(aadSize);
	const macData = buffer.create(at + padded(ciphertextSize) + 16);
	buffer.copy(macData, 0, aad, 0, aadSize);
	buffer.copy(macData, at, ciphertext, 0, ciphertextSize);
	const lengths = at + padded(ciphertextSize);
	buffer.writeu32(macData, lengths, aadSize);
	buffer.writeu32(macData, lengths + 8, ciphertextSize);
	return poly1305(otk, macData);
}

/**
 * AEAD_CHACHA20_POLY1305 encryption (RFC 8439 section 2.8).
 * @param key - 32 bytes.
 * @param nonce - 12 bytes, never reused with the same key.
 * @param plaintext - what to encrypt.
 * @param aad - authenticated, not encrypted (binds the ciphertext to where it is stored).
 * @returns ciphertext followed by the 16-byte tag.
 * @example
 * ```ts
 * const sealed = aeadSeal(key, nonce, buffer.fromstring("a@b.c"), buffer.fromstring("email"));
 * ```
 */
export function aeadSeal(key: buffer, nonce: buffer, plaintext: buffer, aad: buffer): buffer {
	const ciphertext = chacha20Xor(key, 1, nonce, plaintext);
	const size = buffer.len(ciphertext);
	const sealed = buffer.create(size + TAG_SIZE);
	buffer.copy(sealed, 0, ciphertext, 0, size);
	buffer.copy(sealed, size, tagOf(key, nonce, aad, ciphertext, size), 0, TAG_SIZE);
	return sealed;
}

/**
 * AEAD_CHACHA20_POLY1305 decryption: checks the tag over the ciphertext and `aad` first.
 * @returns the plaintext, or undefined when the tag does not verify (wrong key, edited bytes, other aad).
 * @example
 * ```ts
 * const plain = aeadOpen(key, nonce, sealed, buffer.fromstring("email"));
 * ```
 */
export function aeadOpen(key: buffer, nonce: buffer, sealed: buffer, aad: buffer): buffer | undefined {
	const size = buffer.len(sealed) - TAG_SIZE;
	if (size < 0) return undefined;
	const tag = buffer.create(TAG_SIZE);
	buffer.copy(tag, 0, sealed, size, TAG_SIZE);
	if (!equalBytes(tag, tagOf(key, nonce, aad, sealed, size))) return undefined;
	const ciphertext = buffer.create(size);
	buffer.copy(ciphertext, 0, sealed, 0, size);
	return chacha20Xor(key, 1, nonce, ciphertext);
}
