import { DataError, dataError, isDataError, robloxErrorCode } from "./DataError";

/** How requests are retried. Times are seconds. */
export interface RetryPolicy {
	/** Attempts in all, the first one included (default 8). */
	readonly maxAttempts: number;
	/** The backoff ceiling of the first retry (default 0.5); it doubles each retry. */
	readonly baseDelay: number;
	/** No single wait is longer than this (default 16). */
	readonly maxDelay: number;
	/** The whole operation, retries included, gives up after this long (default 60). */
	readonly deadline: number;
}

/** The defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelay: 0.5, maxDelay: 16, deadline: 60 };

/**
 * True for the Roblox error codes worth retrying: 301-306 (throttled, the request was dropped) and
 * 500-505 (internal errors). Every other code (bad arguments, sizes, shutdown, permissions) fails at once.
 * Source: create.roblox.com/docs/cloud-services/data-stores/error-codes-and-limits.
 */
export function isRetryableCode(code: number | undefined): boolean {
	return code !== undefined && ((code >= 301 && code <= 306) || (code >= 500 && code <= 505));
}

/** Turns whatever a Roblox call threw into a {@link DataError}. */
export function toDataError(err: unknown): DataError {
	if (isDataError(err)) return err;
	const message = tostring(err);
	const code = robloxErrorCode(message);
	if (code === undefined) return dataError("RequestFailed", message);
	if (code >= 301 && code <= 306) return dataError("Throttled", message, code);
	if (code >= 500 && code <= 505) return dataError("Unavailable", message, code);
	if (code >= 101 && code <= 107) return dataError("InvalidArgument", message, code);
	return dataError("RequestFailed", message, code);
}

/**
 * The full-jitter backoff before retry number `retry` (1 for the first retry): a uniform draw in
 * [0, min(maxDelay, baseDelay * 2^(retry-1))] (the "full jitter" of the AWS architecture blog), so
 * servers retrying together spread out instead of colliding again.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: Random): number {
	const ceiling = math.min(policy.maxDelay, policy.baseDelay * 2 ** (retry - 1));
	return random.NextNumber(0, ceiling);
}
