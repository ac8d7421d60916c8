import { isSession, SessionRecord, SessionTag } from "./SessionRecord";

/** Who claims a profile's session lock, and how far it may go against a holder. */
export interface LockClaim {
	readonly placeId: number;
	readonly jobId: string;
	/** os.time() written as LastUpdate. */
	readonly now: number;
	/**
	 * Take the lock from a holder: `"any"` from whoever holds it (ProfileService's "Steal"), a JobId only from
	 * that server (a crashed holder seen dead): two servers stealing from one dead holder at once cannot both
	 * win, the second sees the first, not the dead one, and waits for it like for any live holder.
	 */
	readonly stealFrom?: string;
	/** ForceLoad: ask the holder to release at its next save (ForceLoadSession). */
	readonly force?: boolean;
	/** ForceLoad whose request has waited long enough: take the lock if the request is still ours. */
	readonly forceSteal?: boolean;
}

/**
 * What {@link claimLock} decided: `taken` (the record now names this session, its load count raised), `held`
 * (another server holds it; `write` when the ForceLoad request was just added), or `forceLost` (another
 * server's ForceLoad request replaced this one: ProfileService gives up then).
 */
export type ClaimResult =
	| { readonly kind: "taken"; readonly write: true }
	| { readonly kind: "held"; readonly holder: SessionTag; readonly write: boolean }
	| { readonly kind: "forceLost"; readonly holder: SessionTag; readonly write: false };

/**
 * Decides, inside a profile key's UpdateAsync transform, whether `claim` gets the session lock, and changes
 * `record` accordingly (write it only when `write` is true). The transform decides on the lock it sees, so
 * concurrent claims are settled by the DataStore: whoever commits first holds, the other's transform runs
 * again on the new value. Free or already this server's: taken. Held by another server: taken only by a
 * steal naming it (or "any") or by a ForceLoad whose request waited long enough and is still its own.
 *
 * @example
 * ```ts
 * const result = claimLock(record, { placeId: game.PlaceId, jobId: game.JobId, now: os.time() });
 * if (result.write) return record; // inside UpdateAsync's transform
 * ```
 */
export function claimLock(record: SessionRecord, claim: LockClaim): ClaimResult {
	const meta = record.MetaData;
	const holder = meta.ActiveSession;
	const take = (): ClaimResult => {
		meta.ActiveSession = [claim.placeId, claim.jobId];
		meta.ForceLoadSession = undefined;
		meta.SessionLoadCount += 1;
		meta.LastUpdate = claim.now;
		return { kind: "taken", write: true };
	};
	if (!typeIs(holder, "table") || isSession(holder, claim.placeId, claim.jobId)) return take();
	if (claim.stealFrom !== undefined && (claim.stealFrom === "any" || claim.stealFrom === holder[1])) return take();
	if (claim.force === true) {
		const request = meta.ForceLoadSession;
		if (request === undefined) {
			meta.ForceLoadSession = [claim.placeId, claim.jobId];
			return { kind: "held", holder, write: true };
		}
		if (!isSession(request, claim.placeId, claim.jobId)) return { kind: "forceLost", holder, write: false };
		if (claim.forceSteal === true) return take();
	}
	return { kind: "held", holder, write: false };
}
