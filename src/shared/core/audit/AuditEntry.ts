/** What an audit entry is about: a data change, a security event, a performance event or an error. */
export type AuditCategory = "data" | "security" | "performance" | "error";

/** How much an entry matters, lowest first (entries below the logger's `minLevel` are dropped). */
export type AuditLevel = "debug" | "info" | "warning" | "error" | "critical";

/** The levels in order, lowest first. */
export const AUDIT_LEVELS: ReadonlyArray<AuditLevel> = ["debug", "info", "warning", "error", "critical"];

/**
 * One field of one player's data that a change touched. `before`/`after` are absent when the field did not
 * exist on that side; sensitive fields hold `"sha256:<hex>"` or `"[redacted]"` instead of their value.
 */
export interface AuditFieldChange {
	/** The player whose data changed. */
	readonly player: number;
	/** Dotted path of the field ("inventory.sword"); "" for the whole data. */
	readonly path: string;
	readonly before?: unknown;
	readonly after?: unknown;
}

/**
 * One recorded event, as stored in a batch. Every field is plain data (canonical JSON of it is what the
 * entry's hash covers). An erased entry keeps only `time`, `category`, `type`, `level` and `erased`.
 */
export interface AuditEntry {
	/** Unix seconds when it was logged. */
	readonly time: number;
	readonly category: AuditCategory;
	/** What happened ("update", "trade", "refused", ...): the change's kind for data entries. */
	readonly type: string;
	readonly level: AuditLevel;
	/** The players it concerns (both sides of a trade). */
	readonly players: ReadonlyArray<number>;
	/** The pipeline change id, for data entries. */
	readonly change?: string;
	/** What the game passed (`source`, `questId`, ...), scalars only, sensitive keys hashed or redacted. */
	readonly context?: Readonly<Record<string, unknown>>;
	/** The fields the change touched. */
	readonly changes?: ReadonlyArray<AuditFieldChange>;
	/** Set instead of `changes` when they would make the entry longer than `maxEntryChars`. */
	readonly changedPaths?: ReadonlyArray<string>;
	readonly message?: string;
	/** Set by ErasePlayer: the personal content is gone, the entry's hash in its batch still binds it. */
	readonly erased?: true;
}

/** What a caller passes to {@link AuditLogger.Log}: an entry without its time. */
export interface AuditEvent {
	readonly category: AuditCategory;
	readonly type: string;
	/** Default "info". */
	readonly level?: AuditLevel;
	readonly players?: ReadonlyArray<number>;
	readonly context?: Readonly<Record<string, unknown>>;
	readonly message?: string;
}
