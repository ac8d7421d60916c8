/**
 * A lossless compressor for the JSON text of large entries.
 *
 * @example
 * ```ts
 * const codec: Codec = new LzCodec();
 * assert(codec.decompress(codec.compress("aaaaaaaaaaaa")) === "aaaaaaaaaaaa");
 * ```
 */
export interface Codec {
	/** Compresses `text` into a buffer. */
	compress(text: string): buffer;
	/** Restores the text; throws a CacheError of kind `CorruptEntry` when `data` is damaged. */
	decompress(data: buffer): string;
}
