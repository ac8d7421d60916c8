/**
 * Compares two buffers over their whole length (no early exit on the first difference), for tags and MACs.
 * @example
 * ```ts
 * if (!equalBytes(expectedTag, tag)) return undefined;
 * ```
 */
export function equalBytes(a: buffer, b: buffer): boolean {
	const size = buffer.len(a);
	if (size !== buffer.len(b)) return false;
	let diff = 0;
	for (let i = 0; i < size; i++) diff = bit32.bor(diff, bit32.bxor(buffer.readu8(a, i), buffer.readu8(b, i)));
	return diff === 0;
}
