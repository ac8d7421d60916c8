import { HttpService } from "@rbxts/services";
import { canonicalJson } from "shared/core/dal/Canonical";
import { describe } from "shared/core/validator/nodes";
import type { MemoryStoreHashMapLike } from "../data/ServerPresence";
import { adminError } from "./AdminError";
import { Capability, isCapability } from "./Capability";
import { isUserId } from "./isUserId";

/** A destructive mass operation waiting for a second admin. */
export interface PendingApproval<P> {
	readonly id: string;
	readonly requester: number;
	readonly capability: Capability;
	readonly operation: P;
	/** Unix seconds (os.time, the clock every server shares) after which it can no longer be approved. */
	readonly expires: number;
}

/** A request as the hash map holds it: `approver` is set, atomically, by the one approval it gets. */
interface StoredApproval<P> extends PendingApproval<P> {
	readonly approver?: number;
}

/** MemoryStore values are limited to 32 KB (cloud-services/memory-stores, limits). */
const MAX_VALUE = 32 * 1024;

/** Runs a MemoryStore request; its failure (throttled, unavailable) becomes a typed `Failed` AdminError. */
function memoryStore<R>(what: string, fn: () => R): R {
	const [ok, result] = pcall(fn);
	if (!ok) throw adminError("Failed", `pending approvals: ${what} failed: ${tostring(result)}`);
	return result;
}

function isStored<P>(value: unknown, id: string): value is StoredApproval<P> {
	if (!typeIs(value, "table")) return false;
	const v = value as StoredApproval<P>;
	return (
		v.id === id &&
		isUserId(v.requester) &&
		isCapability(v.capability) &&
		typeIs(v.expires, "number") &&
		v.operation !== undefined &&
		(v.approver === undefined || isUserId(v.approver))
	);
}

/**
 * Two-person approval: a request waits until a different admin approves it within `window` seconds; an
 * approval is used once. Requests live in a MemoryStore hash map (key: the approval id, expiring with the
 * window), so the second admin may approve from any server of the experience, and the approval is taken in
 * one UpdateAsync (memory-stores/hash-map: the transform sees the latest value and the write commits only
 * if nobody wrote in between), so two admins approving at once on two servers cannot both run it.
 *
 * @example
 * ```ts
 * const approvals = new Approvals(600, MemoryStoreService.GetHashMap("DataService.Approvals"));
 * const { id } = approvals.request(alice, "data.erase", { kind: "wipe", players }); // yields
 * const op = approvals.approve(bob, id); // on any server; throws ApprovalInvalid for alice, after the window, or twice
 * ```
 */
export class Approvals<P> {
	constructor(
		private readonly window: number,
		private readonly map: MemoryStoreHashMapLike,
		private readonly clock: () => number = os.time,
	) {
		if (!typeIs(window, "number") || window <= 0 || window !== window || window > 3888000) {
			throw adminError(
				"InvalidArgument",
				`approvalWindow must be a number of seconds in (0, 3888000], got ${describe(window)}`,
			);
		}
	}

	/**
	 * Files a request (yields: one MemoryStore write); returns it with its id and expiry.
	 * @throws `InvalidArgument` when the operation cannot be stored (not JSON, over 32 KB).
	 */
	request(requester: number, capability: Capability, operation: P): PendingApproval<P> {
		const entry: PendingApproval<P> = {
			id: HttpService.GenerateGUID(false),
			requester,
			capability,
			operation,
			expires: this.clock() + this.window,
		};
		const [ok, encoded] = pcall(() => canonicalJson(entry, "approval"));
		if (!ok) {
			// The DataError names the path ("approval.operation.args.f is a function; ..."): keep that part.
			const [why] = tostring((encoded as { message?: string }).message ?? encoded).gsub("^%[%w+%] ", "");
			throw adminError("InvalidArgument", why);
		}
		if ((encoded as string).size() > MAX_VALUE) {
			throw adminError(
				"InvalidArgument",
				`operation is ${(encoded as string).size()} characters as JSON; a pending approval holds at most ${MAX_VALUE}`,
			);
		}
		memoryStore("SetAsync", () => this.map.SetAsync(entry.id, entry, math.ceil(this.window)));
		return entry;
	}

	/** The request `id` if still pending (for the approver's capability check). Yields. */
	peek(id: unknown): PendingApproval<P> | undefined {
		if (!typeIs(id, "string") || id.size() === 0 || id.size() > 128) return undefined;
		const value = memoryStore("GetAsync", () => this.map.GetAsync(id));
		if (!isStored<P>(value, id) || value.approver !== undefined || this.clock() > value.expires) return undefined;
		return value;
	}

	/**
	 * Takes the request, atomically: only a different admin, only within the window, only once, whichever
	 * server each admin is on. Yields.
	 * @throws `ApprovalInvalid` naming why.
	 */
	approve(approver: number, id: unknown): PendingApproval<P> {
		if (!typeIs(id, "string"))
			throw adminError("ApprovalInvalid", `approval id must be a string, got ${describe(id)}`);
		if (id.size() === 0 || id.size() > 128) {
			throw adminError("ApprovalInvalid", `approval id must be 1-128 characters, got ${id.size()}`);
		}
		let why: string | undefined;
		let taken: StoredApproval<P> | undefined;
		// The transform may run more than once (another server wrote in between): each run decides afresh.
		memoryStore("UpdateAsync", () =>
			this.map.UpdateAsync(
				id,
				(current) => {
					taken = undefined;
					if (!isStored<P>(current, id)) why = `approval ${id} is unknown or expired`;
					else if (current.approver !== undefined) why = `approval ${id} was already used`;
					else if (this.clock() > current.expires) why = `approval ${id} expired at ${current.expires}`;
					else if (current.requester === approver) {
						why = `approval ${id}: the requester cannot approve their own request`;
					} else {
						why = undefined;
						taken = current;
						return { ...current, approver };
					}
					return undefined;
				},
				math.ceil(this.window),
			),
		);
		if (taken === undefined) throw adminError("ApprovalInvalid", why ?? `approval ${id} could not be taken`);
		return taken;
	}
}
