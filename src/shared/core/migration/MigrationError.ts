/**
 * Why a DataMigrationTool operation failed:
 * - `InvalidArgument`: a bad option or argument (nothing was read or written);
 * - `InvalidChain`: the declared steps do not form a chain 1 -> 2 -> ... -> n (a gap, a duplicate name,
 *   a step without `up`, a sample that does not migrate);
 * - `EditedStep`: a step already published in the durable history was declared again with another checksum
 *   (an edit of a migration that may already have run): nothing runs until the declaration is restored;
 * - `StepFailed`: a step errored, yielded, or returned something that is not a table (the document is
 *   left as it was);
 * - `InvalidResult`: the migrated document breaks the target version's schema or cannot be stored (left
 *   as it was);
 * - `NewerVersion`: the document is of a version newer than this code knows and not declared compatible
 *   with it: it is neither loaded nor written (never downgraded, never overwritten);
 * - `NoDownStep`: a downgrade needs a step that declares no `down`;
 * - `Unreadable`: the stored document cannot be migrated as it is: its HMAC does not match (edited outside
 *   the library), a sealed field does not open, or it was sealed by field encryption this server lacks (left
 *   as it was);
 * - `RunNotFound`: no run with that id is recorded;
 * - `RunBusy`: another server holds the chain's batch lock;
 * - `StoreFailed`: the DataStore kept failing (the DataAccessLayer's error is in the message).
 */
export type MigrationErrorKind =
	| "InvalidArgument"
	| "InvalidChain"
	| "EditedStep"
	| "StepFailed"
	| "InvalidResult"
	| "NewerVersion"
	| "NoDownStep"
	| "Unreadable"
	| "RunNotFound"
	| "RunBusy"
	| "StoreFailed";

/** The typed error every DataMigrationTool Promise rejects with (and its yielding methods throw). */
export interface MigrationError {
	readonly kind: MigrationErrorKind;
	readonly message: string;
	/** The step involved, when one is. */
	readonly step?: string;
}

/**
 * Creates a {@link MigrationError}.
 * @example
 * ```ts
 * throw migrationError("NewerVersion", "Player_5 is version 3; this server knows up to 2");
 * ```
 */
export function migrationError(kind: MigrationErrorKind, message: string, step?: string): MigrationError {
	return { kind, message: `[DataMigrationTool] ${message}`, step };
}

/**
 * True when `value` is a {@link MigrationError}.
 * @example
 * ```ts
 * if (isMigrationError(err) && err.kind === "EditedStep") warn(err.message);
 * ```
 */
export function isMigrationError(value: unknown): value is MigrationError {
	return (
		typeIs(value, "table") &&
		typeIs((value as { kind?: unknown }).kind, "string") &&
		typeIs((value as { message?: unknown }).message, "string") &&
		(value as { message: string }).message.sub(1, 20) === "[DataMigrationTool] "
	);
}
