/**
 * Why a client state value changed, as reported to StateManager change listeners:
 * - `local`: an optimistic change made on this client, not yet confirmed;
 * - `confirmed`: the server accepted a change this client proposed;
 * - `rejected`: the server refused a proposed change and the value rolled back;
 * - `server`: the server pushed an authoritative value.
 */
export type ChangeType = "local" | "confirmed" | "rejected" | "server";

/** Every {@link ChangeType}, in the order a change usually goes through them. */
export const CHANGE_TYPES: ReadonlyArray<ChangeType> = ["local", "confirmed", "rejected", "server"];
