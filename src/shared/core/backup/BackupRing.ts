/**
 * Why a backup was taken: `automatic` (the interval, for players whose data changed), `manual`
 * (CreateBackup), `preUpdate` (before a flagged change or a restore), `emergency` (corruption found,
 * critical state, shutdown).
 */
export type BackupKind = "automatic" | "manual" | "preUpdate" | "emergency";

/**
 * One backup as stored. Field names are short because every character counts against the key's 4 MB.
 * `z` is the Zstd-compressed canonical JSON of the data, in Base64 (a DataStore value is JSON text);
 * `h` is the SHA-256 of that JSON (hex), so a restore verifies decompression and decoding end to end.
 */
export interface BackupEntry {
	/** Id, unique per player (the time in milliseconds plus a counter). */
	readonly i: string;
	/** When it was taken, Unix seconds. */
	readonly t: number;
	readonly k: BackupKind;
	/** The label of a manual backup, or the reason of an emergency one. */
	readonly l?: string;
	/** SHA-256 of the canonical JSON of the data, 64 hex digits. */
	readonly h: string;
	/** Length of that JSON in characters. */
	readonly n: number;
	/** Base64 of the Zstd-compressed JSON. */
	readonly z: string;
}

/** What one player's backup key holds: a ring of backups, oldest first. */
export interface BackupRing {
	/** Format version of the ring. */
	readonly v: 1;
	readonly e: ReadonlyArray<BackupEntry>;
}

/** An empty ring. */
export function emptyRing(): BackupRing {
	return { v: 1, e: [] };
}

/**
 * Reads a ring from whatever a key held: undefined when it is not a ring (corruption of the container
 * itself counts as a missing copy).
 */
export function asRing(value: unknown): BackupRing | undefined {
	if (!typeIs(value, "table")) return undefined;
	const ring = value as { v?: unknown; e?: unknown };
	if (ring.v !== 1 || !typeIs(ring.e, "table")) return undefined;
	return ring as BackupRing;
}
