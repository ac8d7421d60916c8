/**
 * The state-sync wire format: tagged unions carried by one RemoteEvent in each direction. Every message
 * names the protocol version it speaks in `v`, so a server can refuse a client built for another one.
 */

/**
 * The protocol version this build speaks.
 *
 * @example
 * ```ts
 * remote.FireServer({ type: "hello", v: PROTOCOL_VERSION });
 * ```
 */
export const PROTOCOL_VERSION = 1;

/**
 * Why the server refused a message:
 * - `malformed`: not a table, a wrong or missing tag or field, or a value no remote should carry;
 * - `unsupportedVersion`: `v` is not {@link PROTOCOL_VERSION};
 * - `tooLarge` / `tooDeep`: over the guard's size or nesting limit;
 * - `unknownKey`: no registered state key has that name;
 * - `serverOnly`: the key exists but clients may not propose it;
 * - `invalidValue`: the key's validator refused the value;
 * - `rateLimited`: over the key's own rate limit;
 * - `throttled`: over the player's flood limit, whatever the message;
 * - `conflict`: the proposal's base version is no longer the server's;
 * - `denied`: the authority refused for its own reasons;
 * - `duplicate`: a retried request id too old to be answered again (it was never applied twice).
 */
export type RejectReason =
	| "malformed"
	| "unsupportedVersion"
	| "tooLarge"
	| "tooDeep"
	| "unknownKey"
	| "serverOnly"
	| "invalidValue"
	| "rateLimited"
	| "throttled"
	| "conflict"
	| "denied"
	| "duplicate";

/**
 * Every {@link RejectReason}.
 *
 * @example
 * ```ts
 * for (const reason of REJECT_REASONS) print(reason, stats.rejected[reason] ?? 0);
 * ```
 */
export const REJECT_REASONS: ReadonlyArray<RejectReason> = [
	"malformed",
	"unsupportedVersion",
	"tooLarge",
	"tooDeep",
	"unknownKey",
	"serverOnly",
	"invalidValue",
	"rateLimited",
	"throttled",
	"conflict",
	"denied",
	"duplicate",
];

/** Client → server: set `key` to `value`, made from the server's version `base`; `id` makes retries safe. */
export interface ProposeMessage {
	readonly type: "propose";
	readonly v: number;
	readonly id: number;
	readonly key: string;
	readonly value: unknown;
	readonly base: number;
}

/** Client → server: "send me a snapshot" (on connect and after reconnecting). */
export interface HelloMessage {
	readonly type: "hello";
	readonly v: number;
}

/** Every message a client sends. */
export type ClientMessage = ProposeMessage | HelloMessage;

/** Server → client: proposal `id` was applied and `key` is now at `version`. */
export interface AckMessage {
	readonly type: "ack";
	readonly v: number;
	readonly id: number;
	readonly key: string;
	readonly version: number;
}

/**
 * Server → client: a message was refused. `id` and `key` are present when the message carried readable
 * ones; for a `conflict`, `value`/`version` carry the server's newer value of `key` to roll back to.
 */
export interface RejectMessage {
	readonly type: "reject";
	readonly v: number;
	readonly id?: number;
	readonly key?: string;
	readonly reason: RejectReason;
	readonly message: string;
	readonly value?: unknown;
	readonly version?: number;
}

/** Server → client: the authoritative value of one key changed. */
export interface PushMessage {
	readonly type: "push";
	readonly v: number;
	readonly key: string;
	readonly value: unknown;
	readonly version: number;
}

/** Server → client: version `version` of `key` (whose value is `value`) is saved durably. */
export interface SavedMessage {
	readonly type: "saved";
	readonly v: number;
	readonly key: string;
	readonly value: unknown;
	readonly version: number;
}

/** One key's state in a {@link SnapshotMessage}. */
export interface SnapshotEntry {
	readonly key: string;
	readonly value: unknown;
	readonly version: number;
}

/** Server → client: every replicated key at once (answers `hello`). */
export interface SnapshotMessage {
	readonly type: "snapshot";
	readonly v: number;
	readonly entries: ReadonlyArray<SnapshotEntry>;
}

/** Every message a server sends. */
export type ServerMessage = AckMessage | RejectMessage | PushMessage | SavedMessage | SnapshotMessage;
