import { describe } from "shared/core/validator/nodes";
import { isUserId } from "./isUserId";

/** The operations the admin remote carries (each maps to one AdminApi method). */
export const ADMIN_OPS = [
	"view",
	"edit",
	"grant",
	"restore",
	"erase",
	"queryAudit",
	"exportAudit",
	"runHook",
	"requestMass",
	"approveMass",
] as const;

/** One of {@link ADMIN_OPS}. */
export type AdminOp = (typeof ADMIN_OPS)[number];

/**
 * A request on the admin remote: `id` grows with each request of a client (a replayed or reordered id is
 * refused), `op` names the operation, `target` the player, `args` the operation's arguments. There is no
 * actor field: the actor is always the Player who sent it.
 */
export interface AdminRequest {
	readonly v: 1;
	readonly id: number;
	readonly op: AdminOp;
	readonly target?: number;
	readonly args: Readonly<Record<string, unknown>>;
}

/** A reply: the result, or a typed refusal; `id` echoes a well-formed request id. */
export type AdminReply =
	| { readonly ok: true; readonly id: number; readonly result: unknown }
	| { readonly ok: false; readonly id?: number; readonly kind: string; readonly message: string };

const MAX_ID = 2 ** 52;

/**
 * Reads a raw payload (already within size limits) as an {@link AdminRequest}, or says which field is wrong.
 * Never throws.
 * @example
 * ```ts
 * const parsed = parseAdminRequest(payload);
 * if (!parsed.ok) return reply({ ok: false, kind: "InvalidArgument", message: parsed.message });
 * ```
 */
export function parseAdminRequest(
	payload: unknown,
): { readonly ok: true; readonly request: AdminRequest } | { readonly ok: false; readonly message: string } {
	if (!typeIs(payload, "table")) return { ok: false, message: `request must be a table, got ${describe(payload)}` };
	const raw = payload as Record<string, unknown>;
	if (raw.v !== 1) return { ok: false, message: `v must be 1, got ${describe(raw.v)}` };
	const id = raw.id;
	if (!typeIs(id, "number") || id % 1 !== 0 || id < 1 || id > MAX_ID) {
		return { ok: false, message: `id must be a whole number from 1, got ${describe(id)}` };
	}
	if (!typeIs(raw.op, "string") || !ADMIN_OPS.includes(raw.op as AdminOp)) {
		return { ok: false, message: `op must be one of ${ADMIN_OPS.join(", ")}, got ${describe(raw.op)}` };
	}
	if (raw.target !== undefined && !isUserId(raw.target)) {
		return { ok: false, message: `target must be a UserId, got ${describe(raw.target)}` };
	}
	if (raw.args !== undefined && !typeIs(raw.args, "table")) {
		return { ok: false, message: `args must be a table, got ${describe(raw.args)}` };
	}
	return {
		ok: true,
		request: {
			v: 1,
			id,
			op: raw.op as AdminOp,
			target: raw.target as number | undefined,
			args: (raw.args ?? {}) as Record<string, unknown>,
		},
	};
}
