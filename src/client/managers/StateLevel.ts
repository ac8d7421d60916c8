/**
 * The three levels a client state value lives at, top first:
 * - `pending`: an optimistic local change the server has not confirmed yet;
 * - `confirmed`: the server's latest authoritative value;
 * - `saved`: the latest value the server has saved durably.
 * `GetState` reads the top level that has a value.
 */
export type StateLevel = "pending" | "confirmed" | "saved";

/**
 * Every {@link StateLevel}, top first.
 *
 * @example
 * ```ts
 * for (const level of STATE_LEVELS) print(level, stateManager.GetState("coins", level));
 * ```
 */
export const STATE_LEVELS: ReadonlyArray<StateLevel> = ["pending", "confirmed", "saved"];
