import type { DataAccessLayer } from "../DataAccessLayer";
import type { AuditLevel } from "./AuditEntry";
import type { RedactionMode } from "./redactSensitive";
import type { EncodingServiceLike } from "./sha256Hex";

/** Configuration of an {@link AuditLogger}; every field is optional. */
export interface AuditConfig {
	/** Every DataStore request goes through it, at "background" priority (default: a new one). */
	readonly dataAccessLayer?: DataAccessLayer;
	/** Computes the SHA-256 hashes (default: game's EncodingService). */
	readonly encodingService?: EncodingServiceLike;
	/** Unix seconds (default: DateTime.now()). */
	readonly clock?: () => number;
	/** Base DataStore name; the trail also uses `<name>.Heads` and `<name>.Players` (default "DataService.Audit"). */
	readonly storeName?: string;
	/** This logger's stream id, at most 36 characters, never reused (default a new GUID). */
	readonly streamId?: string;
	/** Seconds between time-driven flushes: at most one batch write per interval at normal volume (default 60). */
	readonly flushInterval?: number;
	/**
	 * Seconds a player's index refs wait before their index key is written (default 900): one UpdateAsync per
	 * active player per interval, and one at Close. Other servers' queries see a batch in a player's index at
	 * most this long after its flush; erasures and player reports read the unindexed tails too.
	 */
	readonly indexInterval?: number;
	/** Flush as soon as the buffer holds this many entries (default 2000). */
	readonly maxBatchEntries?: number;
	/** Flush as soon as the buffer's entries take this many characters of JSON (default 1,000,000; a value may take 4,194,304). */
	readonly maxBatchChars?: number;
	/** An entry longer than this keeps only the paths of its field changes (default 20,000 characters). */
	readonly maxEntryChars?: number;
	/** Dotted paths of player data (and `context.<key>`) never stored in clear; `*` matches any key. */
	readonly sensitivePaths?: ReadonlyArray<string>;
	/** "hash" (default: equal values stay comparable) or "redact". */
	readonly redaction?: RedactionMode;
	/**
	 * Seals the sensitive fields of data changes under the player's key instead of hashing them (a
	 * FieldEncryption): readable with the key, unreadable once the player's key is erased.
	 */
	readonly fieldEncryption?: {
		sealValue(this: unknown, playerId: number, path: string, value: unknown): unknown;
		/** Its paths are sensitive here too. */
		sensitivePaths(this: unknown): ReadonlyArray<string>;
	};
	/** Entries below this level are dropped (default "info"). */
	readonly minLevel?: AuditLevel;
	/** Flush and checkpoint in game:BindToClose (default true). */
	readonly bindToClose?: boolean;
	/** DataService records an operation slower than this many seconds as a performance event (default 10: a load
	 * with a release handoff takes about 3 s at p50 and 5 s at p99, a trade waits for both saves). */
	readonly slowOperationSeconds?: number;
	/** CleanupRetention deletes streams whose last flush is older than this many seconds (default 90 days). */
	readonly retentionSeconds?: number;
	/** Print warnings (default true). */
	readonly warnings?: boolean;
}
