import { ConsistencyIssue, issue } from "shared/core/consistency/ConsistencyIssue";
import type { InboxDocument, OutgoingEntry } from "./Inbox";

/**
 * The referential checks of a player's inbox and applied markers:
 * - each escrow (an offer made to the player) has its offerer's open-offer marker;
 * - each open-offer marker of the player has its escrow in the recipient's inbox (both are written and
 *   removed in one transaction);
 * - each id the profile marks as applied still has its inbox entry, or it is an orphan (fixed by dropping
 *   the marker: ids are never reused, so the entry cannot come back).
 * A mismatch between two inboxes is confirmed by reading the player's inbox again (the two reads are not
 * atomic, and an offer settling in between removes both sides at once).
 *
 * @param readInbox - reads an inbox (yields; one GetAsync).
 * @example
 * ```ts
 * const issues = checkInboxReferences(123, inbox, applied, (id) => inboxes.read(id));
 * ```
 */
export function checkInboxReferences(
	playerId: number,
	inbox: InboxDocument | undefined,
	applied: Readonly<Record<string, boolean>>,
	readInbox: (playerId: number) => InboxDocument | undefined,
): Array<ConsistencyIssue> {
	const out = new Array<ConsistencyIssue>();
	const entries = inbox?.e ?? {};
	for (const [id] of pairs(applied)) {
		if (entries[id as string] === undefined) {
			out.push(
				issue(
					"orphanMarker",
					"referential",
					`applied.${id}`,
					`applied marker ${id} has no inbox entry left`,
					"removeReference",
				),
			);
		}
	}
	const suspects = new Array<[string, string]>();
	for (const [key, entry] of pairs(entries)) {
		if (entry.k === "x") {
			const marker = readInbox(entry.f)?.e[`${key}:o`];
			if (marker === undefined)
				suspects.push([key, `escrow ${key} from ${entry.f} has no open offer in ${entry.f}'s inbox`]);
		} else if (entry.k === "o") {
			const id = (key as string).sub(1, (key as string).size() - 2);
			const escrow = readInbox((entry as OutgoingEntry).r)?.e[id];
			if (escrow === undefined)
				suspects.push([key, `open offer ${id} to ${entry.r} has no escrow in ${entry.r}'s inbox`]);
		}
	}
	if (suspects.size() > 0) {
		const again = readInbox(playerId)?.e ?? {};
		for (const [key, message] of suspects) {
			if (again[key] === undefined) continue;
			const kind = entries[key].k === "x" ? "danglingEscrow" : "danglingOffer";
			out.push(issue(kind, "referential", `inbox.${key}`, message));
		}
	}
	return out;
}
