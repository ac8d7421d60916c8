/**
 * Why a security operation failed: `InvalidArgument` (a malformed key, key ring or argument: the message
 * names the field and the type received), `KeyUnavailable` (a player's key could not be read or written).
 */
export type SecurityErrorKind = "InvalidArgument" | "KeyUnavailable";

/** A typed security error: `{ kind, message }`. */
export interface SecurityError {
	readonly kind: SecurityErrorKind;
	readonly message: string;
}

/**
 * Builds a {@link SecurityError}.
 * @example
 * ```ts
 * throw securityError("InvalidArgument", "keys.k1 must be 32 bytes, got 31");
 * ```
 */
export function securityError(kind: SecurityErrorKind, message: string): SecurityError {
	return { kind, message };
}
