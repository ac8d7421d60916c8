/**
 * Why a DataService operation failed:
 * - `InvalidArgument`: a bad player id, changes that are not a table, an unknown field (nothing was sent);
 * - `ValidationFailed`: the changes break the game's schema or a configured rule (nothing was written);
 * - `NotLoaded`: the player's profile is not held by this server;
 * - `SessionLocked`: the profile stayed locked by another server and could not be taken over;
 * - `LoadFailed`: the profile could not be loaded (DataStore errors, shutting down);
 * - `SaveFailed`: a durable change was not confirmed saved within the operation timeout;
 * - `TransferFailed`: a gift or trade could not commit (nothing moved);
 * - `ShuttingDown`: the server is closing and accepts no new work;
 * - `TransformFailed`: the game's update or trade function yielded or errored (nothing was changed);
 * - `Refused`: a pipeline stage (backup, audit, consistency, or the game's own) refused the change;
 * - `TimedOut`: the operation waited longer than `operationTimeout` for the player's lock
 *   (nothing was changed);
 * - `InvalidData`: a loaded profile breaks the schema, is not DataService's envelope, or is of a newer
 *   schema version than this server knows; the profile was released untouched;
 * - `Disabled`: the feature is switched off in the config;
 * - `Quarantined`: the consistency check on load found the data beyond repair and quarantined it
 *   (`consistency.onQuarantine: "refuse"`); the profile was released untouched.
 */
export type DataServiceErrorKind =
	| "InvalidArgument"
	| "ValidationFailed"
	| "NotLoaded"
	| "SessionLocked"
	| "LoadFailed"
	| "SaveFailed"
	| "TransferFailed"
	| "ShuttingDown"
	| "TransformFailed"
	| "Refused"
	| "TimedOut"
	| "InvalidData"
	| "Disabled"
	| "Quarantined";

/** The typed error every DataService Promise rejects with. */
export interface DataServiceError {
	readonly kind: DataServiceErrorKind;
	readonly message: string;
	/** Schema violations, for `ValidationFailed`: each with its path and rule. */
	readonly errors?: ReadonlyArray<{ readonly path: string; readonly rule: string; readonly message: string }>;
}

/**
 * Creates a {@link DataServiceError}.
 * @example
 * ```ts
 * throw serviceError("NotLoaded", "player 123 is not loaded on this server");
 * ```
 */
export function serviceError(
	kind: DataServiceErrorKind,
	message: string,
	errors?: DataServiceError["errors"],
): DataServiceError {
	return { kind, message: `[DataService] ${message}`, errors };
}

/**
 * True when `value` is a {@link DataServiceError}.
 * @example
 * ```ts
 * if (isServiceError(err) && err.kind === "ValidationFailed") warn(err.message);
 * ```
 */
export function isServiceError(value: unknown): value is DataServiceError {
	return typeIs(value, "table") && typeIs((value as { kind?: unknown }).kind, "string") && "message" in value;
}
