import type { PatchOp } from "./Patch";

/**
 * The state-sync wire format: tagged unions carried by one RemoteEvent in each direction. Every message
 * names the protocol version it speaks in `v`, so a server can refuse a client built for another one.
 */

/**
 * The protocol version this build speaks. Version 2 added sequence numbers on every server message
 * (`seq`), path patches (`patch`, and patch entries in snapshots), `resync` / `ping` from the client and
 * `pong` from the server. A v2 server still serves a v1 client (see {@link SUPPORTED_PROTOCOL_VERSIONS}):
 * it answers in v1 and never sends it patches. A v2 client needs a v2 server.
 *
 * @example
 * ```ts
 * remote.FireServer({ type: "hello", v: PROTOCOL_VERSION });
 * ```
 */
export const PROTOCOL_VERSION = 2;

/**
 * The versions a server accepts from clients: 1 (whole-value pushes and snapshots, `propose` and `hello`
 * only) and 2 ({@link PROTOCOL_VERSION}). Each player is answered in the version its last message spoke.
 *
 * @example
 * ```ts
 * if (!SUPPORTED_PROTOCOL_VERSIONS.includes(payload.v)) return reject("unsupportedVersion");
 * ```
 */
export const SUPPORTED_PROTOCOL_VERSIONS: ReadonlyArray<number> = [1, 2];

/**
 * Why the server refused a message:
 * - `malformed`: not a table, a wrong or missing tag or field, or a value no remote should carry;
 * - `unsupportedVersion`: `v` is not one of {@link SUPPORTED_PROTOCOL_VERSIONS} (or is 1 for a v2-only message);
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

/** Client → server: "send me a snapshot of every key" (on connect and after reconnecting). */
export interface HelloMessage {
	readonly type: "hello";
	readonly v: number;
}

/**
 * Client → server (v2): "I may have missed messages; these are the versions I hold". The server answers
 * with a partial snapshot of the keys whose version differs (as a patch where it still has the client's
 * version), or an empty one when nothing does. A key the client does not list is sent whole.
 */
export interface ResyncMessage {
	readonly type: "resync";
	readonly v: number;
	/** The version the client holds of each key it has, by key name. */
	readonly versions: Readonly<Record<string, number>>;
}

/** Client → server (v2): "are you there, and what is your sequence number?" (after a silence). */
export interface PingMessage {
	readonly type: "ping";
	readonly v: number;
}

/** Every message a client sends. */
export type ClientMessage = ProposeMessage | HelloMessage | ResyncMessage | PingMessage;

/**
 * Fields every v2 server message carries: `seq` counts the messages the server sent this player, 1, 2, 3,
 * ... A client that sees a number skipped knows a message was lost and asks for a `resync`. (A v1 client
 * ignores the field.)
 */
export interface Sequenced {
	readonly seq?: number;
}

/** Server → client: proposal `id` was applied and `key` is now at `version`. */
export interface AckMessage extends Sequenced {
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
export interface RejectMessage extends Sequenced {
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
export interface PushMessage extends Sequenced {
	readonly type: "push";
	readonly v: number;
	readonly key: string;
	readonly value: unknown;
	readonly version: number;
}

/**
 * Server → client (v2): `key` moved from version `base` to `version`; `ops` are the path changes that turn
 * the value at `base` into the new one. The server sends it instead of a `push` when it is smaller. A
 * client applies it only when it holds exactly version `base`; otherwise it asks for a `resync`.
 */
export interface PatchMessage extends Sequenced {
	readonly type: "patch";
	readonly v: number;
	readonly key: string;
	readonly base: number;
	readonly version: number;
	readonly ops: ReadonlyArray<PatchOp>;
}

/**
 * Server → client: version `version` of `key` is saved durably. `value` is that version's value; a v2
 * server leaves it out when the client already holds that version.
 */
export interface SavedMessage extends Sequenced {
	readonly type: "saved";
	readonly v: number;
	readonly key: string;
	readonly value?: unknown;
	readonly version: number;
}

/**
 * One key's state in a {@link SnapshotMessage}: its whole `value` at `version`, or (v2, answering a
 * `resync`) `ops` that turn the client's version `base` into `version`.
 */
export interface SnapshotEntry {
	readonly key: string;
	readonly version: number;
	readonly value?: unknown;
	readonly base?: number;
	readonly ops?: ReadonlyArray<PatchOp>;
}

/**
 * Server → client: keys at once. Answering `hello`, every registered key, each whole (the client takes it
 * as the truth). Answering `resync` (`partial: true`), only the keys whose version differs from what the
 * client reported; the others are unchanged.
 */
export interface SnapshotMessage extends Sequenced {
	readonly type: "snapshot";
	readonly v: number;
	readonly entries: ReadonlyArray<SnapshotEntry>;
	readonly partial?: boolean;
}

/** Server → client (v2): answers `ping`; its `seq` tells the client whether it missed anything. */
export interface PongMessage extends Sequenced {
	readonly type: "pong";
	readonly v: number;
}

/** Every message a server sends. */
export type ServerMessage =
	| AckMessage
	| RejectMessage
	| PushMessage
	| PatchMessage
	| SavedMessage
	| SnapshotMessage
	| PongMessage;
