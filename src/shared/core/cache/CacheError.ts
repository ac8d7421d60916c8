/**
 * What went wrong in the cache: `InvalidConfig` for a bad constructor option, `InvalidArgument` for a bad
 * call (a nil value, a non-string key, a bad TTL or tag), `CorruptEntry` for a compressed entry that failed
 * to decode and was dropped instead of returned.
 * @example
 * ```ts
 * new CacheManager({ onCorrupt: (err) => { if (err.kind === "CorruptEntry") reportToAnalytics(err.message); } });
 * ```
 */
export type CacheErrorKind = "InvalidConfig" | "InvalidArgument" | "CorruptEntry";

/**
 * The typed error the cache throws on misuse and reports for corrupt entries.
 *
 * @example
 * ```ts
 * const [ok, err] = pcall(() => new CacheManager({ levels: { L1: { capacity: 0 } } }));
 * if (!ok && err instanceof CacheError) print(err.kind, err.message); // InvalidConfig  L1.capacity must be ...
 * ```
 */
export class CacheError {
	/**
	 * @param kind what kind of failure this is
	 * @param message a plain sentence naming the option or key at fault
	 */
	constructor(
		readonly kind: CacheErrorKind,
		readonly message: string,
	) {}

	/** `[CacheManager] <kind>: <message>`, what `tostring` and `warn` show. */
	toString() {
		return `[CacheManager] ${this.kind}: ${this.message}`;
	}
}
