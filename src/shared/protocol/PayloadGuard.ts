import { ClientMessage, PROTOCOL_VERSION, RejectReason, SUPPORTED_PROTOCOL_VERSIONS } from "./Messages";

/** Limits the {@link guardPayload} holds a raw payload to, before it looks at what the payload means. */
export interface GuardLimits {
	/** Deepest table nesting (the message itself is 1). Default 8. */
	readonly maxDepth: number;
	/** Most table entries and scalars in all. Default 512. */
	readonly maxNodes: number;
	/** Most characters in all strings and string keys together. Default 16,384. */
	readonly maxChars: number;
	/** Longest key name. Default 64. */
	readonly maxKeyLength: number;
}

/** The default {@link GuardLimits}. */
export const DEFAULT_GUARD_LIMITS: GuardLimits = { maxDepth: 8, maxNodes: 512, maxChars: 16_384, maxKeyLength: 64 };

/** What {@link guardPayload} concluded: a well-formed message, or a typed rejection. */
export type GuardResult =
	| { readonly ok: true; readonly message: ClientMessage }
	| {
			readonly ok: false;
			readonly reason: RejectReason;
			readonly detail: string;
			readonly id?: number;
			readonly key?: string;
	  };

/** Largest request id accepted: ids are integers a double holds exactly. */
const MAX_ID = 2 ** 52;

type Walk = { nodes: number; chars: number; problem?: RejectReason; detail?: string };

/** Walks `value` once, counting nodes and characters; stops at the first limit crossed. Never throws. */
function walk(value: unknown, depth: number, limits: GuardLimits, state: Walk): void {
	if (state.problem !== undefined) return;
	state.nodes += 1;
	if (state.nodes > limits.maxNodes) {
		state.problem = "tooLarge";
		state.detail = `more than ${limits.maxNodes} values`;
		return;
	}
	const kind = typeOf(value);
	if (kind === "string") {
		state.chars += (value as string).size();
		if (state.chars > limits.maxChars) {
			state.problem = "tooLarge";
			state.detail = `more than ${limits.maxChars} characters`;
		}
		return;
	}
	if (kind === "number") {
		if (value !== value || value === math.huge || value === -math.huge) {
			state.problem = "malformed";
			state.detail = "NaN or an infinity";
		}
		return;
	}
	if (kind === "boolean" || kind === "nil") return;
	if (kind !== "table") {
		state.problem = "malformed";
		state.detail = `a ${kind} cannot be state`;
		return;
	}
	if (depth > limits.maxDepth) {
		state.problem = "tooDeep";
		state.detail = `nested deeper than ${limits.maxDepth}`;
		return;
	}
	for (const [k, v] of pairs(value as object)) {
		const keyKind = typeOf(k);
		if (keyKind === "string") {
			state.chars += (k as string).size();
		} else if (keyKind !== "number" || k !== k) {
			state.problem = "malformed";
			state.detail = `a ${keyKind} table key`;
			return;
		}
		walk(v, depth + 1, limits, state);
		if (state.problem !== undefined) return;
	}
}

/**
 * Holds any payload to the size and depth limits alone (no protocol shape): what other remotes (the admin
 * remote) check before reading a client's payload. Never throws.
 * @returns undefined when within limits, else the reason and what was crossed.
 * @example
 * ```ts
 * const problem = checkPayloadLimits(payload);
 * if (problem) return refuse(problem.reason);
 * ```
 */
export function checkPayloadLimits(
	payload: unknown,
	limits: GuardLimits = DEFAULT_GUARD_LIMITS,
): { readonly reason: RejectReason; readonly detail: string } | undefined {
	const state: Walk = { nodes: 0, chars: 0 };
	walk(payload, 1, limits, state);
	return state.problem !== undefined ? { reason: state.problem, detail: state.detail ?? state.problem } : undefined;
}

function isId(value: unknown): value is number {
	return typeIs(value, "number") && value % 1 === 0 && value >= 1 && value <= MAX_ID;
}

/**
 * Checks a raw payload from a client — type, size, depth, version, then shape — before anything else
 * reads it: `hello` and `propose` in protocol version 1 or 2, `ping` and `resync` (whose `versions` must
 * map key names to non-negative integers) in version 2 only. Never throws and never writes: it only
 * returns the typed message or why it was refused. It does not know keys; {@link KeyRegistry} rules apply
 * afterwards.
 *
 * @param payload whatever arrived on the remote
 * @param limits size and depth limits (default {@link DEFAULT_GUARD_LIMITS})
 * @returns `{ ok: true, message }` or `{ ok: false, reason, detail, id?, key? }`
 * @example
 * ```ts
 * const result = guardPayload(payload);
 * if (!result.ok) return reply(player, result.reason);
 * ```
 */
export function guardPayload(payload: unknown, limits: GuardLimits = DEFAULT_GUARD_LIMITS): GuardResult {
	if (!typeIs(payload, "table")) {
		return { ok: false, reason: "malformed", detail: `expected a table, got ${typeOf(payload)}` };
	}
	const state: Walk = { nodes: 0, chars: 0 };
	walk(payload, 1, limits, state);
	const raw = payload as Record<string, unknown>;
	// Echo an id and key only when they are well-formed, so a rejection never carries garbage back.
	const id = isId(raw.id) ? raw.id : undefined;
	const key =
		typeIs(raw.key, "string") && raw.key.size() <= limits.maxKeyLength && raw.key.size() > 0 ? raw.key : undefined;
	if (state.problem !== undefined) {
		return { ok: false, reason: state.problem, detail: state.detail ?? state.problem, id, key };
	}
	const v = raw.v;
	if (!typeIs(v, "number") || !SUPPORTED_PROTOCOL_VERSIONS.includes(v)) {
		return {
			ok: false,
			reason: "unsupportedVersion",
			detail: `protocol version must be one of ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`,
			id,
			key,
		};
	}
	if (raw.type === "hello") {
		return { ok: true, message: { type: "hello", v } };
	}
	if (raw.type === "ping" || raw.type === "resync") {
		if (v < PROTOCOL_VERSION) {
			return { ok: false, reason: "unsupportedVersion", detail: `${raw.type} needs protocol version 2`, id, key };
		}
		if (raw.type === "ping") return { ok: true, message: { type: "ping", v } };
		return guardResync(raw.versions, v, limits, id, key);
	}
	if (raw.type !== "propose") {
		return { ok: false, reason: "malformed", detail: "unknown message type", id, key };
	}
	if (id === undefined) {
		return { ok: false, reason: "malformed", detail: "id must be a positive integer", key };
	}
	if (key === undefined) {
		return {
			ok: false,
			reason: "malformed",
			detail: "key must be a non-empty string of at most 64 characters",
			id,
		};
	}
	const base = raw.base;
	if (!isVersion(base)) {
		return { ok: false, reason: "malformed", detail: "base must be a non-negative integer", id, key };
	}
	return { ok: true, message: { type: "propose", v, id, key, value: raw.value, base } };
}

function isVersion(value: unknown): value is number {
	return typeIs(value, "number") && value % 1 === 0 && value >= 0 && value <= MAX_ID;
}

/** A resync's `versions`: a table of key names (as long as a key may be) to versions, nothing else. */
function guardResync(versions: unknown, v: number, limits: GuardLimits, id?: number, key?: string): GuardResult {
	if (!typeIs(versions, "table")) {
		return { ok: false, reason: "malformed", detail: "versions must be a table of key names to versions", id, key };
	}
	const copy: Record<string, number> = {};
	for (const [name, version] of pairs(versions)) {
		if (!typeIs(name, "string") || name.size() === 0 || name.size() > limits.maxKeyLength) {
			return { ok: false, reason: "malformed", detail: "versions has a key that is no key name", id, key };
		}
		if (!isVersion(version)) {
			return {
				ok: false,
				reason: "malformed",
				detail: `version of "${name}" must be a non-negative integer`,
				id,
				key,
			};
		}
		copy[name] = version;
	}
	return { ok: true, message: { type: "resync", v, versions: copy } };
}
