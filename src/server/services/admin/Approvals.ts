import { HttpService } from "@rbxts/services";
import { describe } from "shared/core/validator/nodes";
import { adminError } from "./AdminError";
import type { Capability } from "./Capability";

/** A destructive mass operation waiting for a second admin. */
export interface PendingApproval<P> {
	readonly id: string;
	readonly requester: number;
	readonly capability: Capability;
	readonly operation: P;
	readonly expires: number;
}

/**
 * Two-person approval: a request waits until a different admin approves it within `window` seconds; an
 * approval is used once. Held in this server's memory, so both admins act on the same server (an admin
 * panel's server); a request dies with its server.
 *
 * @example
 * ```ts
 * const { id } = approvals.request(alice, "data.erase", { kind: "wipe", players });
 * const op = approvals.approve(bob, id); // throws ApprovalInvalid for alice, after the window, or twice
 * ```
 */
export class Approvals<P> {
	private readonly pending = new Map<string, PendingApproval<P>>();

	constructor(
		private readonly window: number,
		private readonly clock: () => number,
	) {
		if (!typeIs(window, "number") || window <= 0 || window !== window) {
			throw adminError(
				"InvalidArgument",
				`approvalWindow must be a positive number of seconds, got ${describe(window)}`,
			);
		}
	}

	/** Files a request; returns it with its id and expiry. */
	request(requester: number, capability: Capability, operation: P): PendingApproval<P> {
		this.sweep();
		const entry = {
			id: HttpService.GenerateGUID(false),
			requester,
			capability,
			operation,
			expires: this.clock() + this.window,
		};
		this.pending.set(entry.id, entry);
		return entry;
	}

	/** The request `id` if still pending (for the approver's capability check). */
	peek(id: unknown): PendingApproval<P> | undefined {
		this.sweep();
		return typeIs(id, "string") ? this.pending.get(id) : undefined;
	}

	/**
	 * Consumes the request: only a different admin, only within the window, only once.
	 * @throws `ApprovalInvalid` naming why.
	 */
	approve(approver: number, id: unknown): PendingApproval<P> {
		if (!typeIs(id, "string"))
			throw adminError("ApprovalInvalid", `approval id must be a string, got ${describe(id)}`);
		const entry = this.pending.get(id);
		if (entry === undefined)
			throw adminError("ApprovalInvalid", `approval ${id.sub(1, 40)} is unknown or already used`);
		if (this.clock() > entry.expires) {
			this.pending.delete(id);
			throw adminError("ApprovalInvalid", `approval ${id} expired at ${entry.expires}`);
		}
		if (approver === entry.requester) {
			throw adminError("ApprovalInvalid", `approval ${id}: the requester cannot approve their own request`);
		}
		this.pending.delete(id);
		return entry;
	}

	private sweep(): void {
		const now = this.clock();
		for (const [id, entry] of this.pending) if (now > entry.expires) this.pending.delete(id);
	}
}
