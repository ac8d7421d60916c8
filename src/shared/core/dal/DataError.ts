/**
 * Why a DataAccessLayer operation failed:
 * - `InvalidArgument`: a bad name, key or option (the request was never sent);
 * - `NotStorable`: the value cannot be stored (function, Instance, NaN, mixed or sparse table, ...);
 * - `TooLarge`: the encoded value exceeds the DataStore limit of 4,194,304 characters;
 * - `Throttled`: the request was dropped for lack of budget (codes 301-306) after every retry;
 * - `Unavailable`: DataStore or MemoryStore kept failing with internal errors (codes 500-505);
 * - `RequestFailed`: Roblox refused the request with a code that must not be retried;
 * - `DeadlineExceeded`: retries ran out of time;
 * - `Conflict`: someone else wrote since the expected version and the strategy refused to resolve it;
 * - `ChecksumMismatch`: a stored document does not match its checksum;
 * - `LockTimeout`: a lock could not be acquired in time;
 * - `LockLost`: a write was fenced off because the writer's lease had expired or been taken over;
 * - `TransactionAborted`: a transaction could not commit (a key changed, or it was rolled back);
 * - `OutcomeUnknown`: an update may or may not have been applied: a try reported an error but may have
 *   landed, and whether it did cannot be told (too many writes followed it, or retries and the check read
 *   failed). The change was not retried, so it is never applied twice; read the key to see.
 */
export type DataErrorKind =
	| "InvalidArgument"
	| "NotStorable"
	| "TooLarge"
	| "Throttled"
	| "Unavailable"
	| "RequestFailed"
	| "DeadlineExceeded"
	| "Conflict"
	| "ChecksumMismatch"
	| "LockTimeout"
	| "LockLost"
	| "TransactionAborted"
	| "OutcomeUnknown";

/** The typed error every DataAccessLayer Promise rejects with. */
export interface DataError {
	readonly kind: DataErrorKind;
	readonly message: string;
	/** The Roblox error code when the failure came from a Roblox service. */
	readonly code?: number;
}

/**
 * Creates a {@link DataError}.
 * @example
 * ```ts
 * return Promise.reject(dataError("TooLarge", "player_1 is 5000000 characters"));
 * ```
 */
export function dataError(kind: DataErrorKind, message: string, code?: number): DataError {
	return setmetatable({ kind, message: `[DataAccessLayer] ${message}`, code }, DATA_ERROR_METATABLE) as DataError;
}

// Printable when thrown (tostring gives "Kind: message"), still a plain record to read.
const DATA_ERROR_METATABLE = {
	__tostring: (e: DataError) => `${e.kind}: ${e.message}`,
} as LuaMetatable<DataError>;

/** True when `value` is a {@link DataError}. */
export function isDataError(value: unknown): value is DataError {
	return typeIs(value, "table") && typeIs((value as DataError).kind, "string") && "message" in value;
}

/** Reads the Roblox error code from a message such as `"502: API Services rejected request"`. */
export function robloxErrorCode(message: string): number | undefined {
	const [digits] = string.match(message, "^(%d%d%d):");
	if (digits !== undefined) return tonumber(digits);
	const [inner] = string.match(message, "%D(%d%d%d):");
	return inner !== undefined ? tonumber(inner) : undefined;
}
