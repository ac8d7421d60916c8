/**
 * How urgently a state change goes to the server:
 * - `critical`: sent at once, inside SetState;
 * - `high`: sent on the next update (the next frame);
 * - `normal`: batched for 0.1 s;
 * - `low`: batched for 0.5 s.
 * Changes of one key that wait together coalesce into one proposal of the newest value.
 */
export type StatePriority = "critical" | "high" | "normal" | "low";

/**
 * The priorities by their seed names.
 *
 * @example
 * ```ts
 * stateManager.SetState("settings", settings, STATE_PRIORITIES.HIGH);
 * ```
 */
export const STATE_PRIORITIES = {
	CRITICAL: "critical",
	HIGH: "high",
	NORMAL: "normal",
	LOW: "low",
} as const;

/**
 * Seconds a change of each priority waits before it is sent.
 *
 * @example
 * ```ts
 * print(PRIORITY_DELAYS.low); // 0.5
 * ```
 */
export const PRIORITY_DELAYS: Readonly<Record<StatePriority, number>> = {
	critical: 0,
	high: 0,
	normal: 0.1,
	low: 0.5,
};
