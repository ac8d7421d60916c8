/**
 * Why an admin request failed:
 * - `Forbidden`: the actor lacks the capability (the check was audited);
 * - `InvalidArgument`: an argument is malformed (the message names it and the type received);
 * - `HeldElsewhere`: the player's profile is held by another server and the edit cannot be delivered there;
 * - `NotAvailable`: the feature is not configured (no audit logger, no backups, no hook registered);
 * - `ApprovalRequired`: a destructive mass operation needs a second admin's approval first;
 * - `ApprovalInvalid`: the approval is unknown, expired, already used, or self-approved;
 * - `Failed`: the underlying operation failed (its message says why).
 */
export type AdminErrorKind =
	| "Forbidden"
	| "InvalidArgument"
	| "HeldElsewhere"
	| "NotAvailable"
	| "ApprovalRequired"
	| "ApprovalInvalid"
	| "Failed";

/** A typed admin error: `{ kind, message }`. */
export interface AdminError {
	readonly kind: AdminErrorKind;
	readonly message: string;
}

/**
 * Builds an {@link AdminError}.
 * @example
 * ```ts
 * throw adminError("InvalidArgument", `target must be a UserId, got string "x"`);
 * ```
 */
export function adminError(kind: AdminErrorKind, message: string): AdminError {
	return { kind, message };
}

const KINDS = new Set<string>([
	"Forbidden",
	"InvalidArgument",
	"HeldElsewhere",
	"NotAvailable",
	"ApprovalRequired",
	"ApprovalInvalid",
	"Failed",
]);

/** True when `value` is an {@link AdminError}. */
export function isAdminError(value: unknown): value is AdminError {
	return (
		typeIs(value, "table") &&
		KINDS.has((value as AdminError).kind as string) &&
		typeIs((value as AdminError).message, "string")
	);
}
