import { deepCopy } from "shared/protocol/deepCopy";
import { addAmounts, Amounts } from "./Amounts";
import { isServiceError, serviceError } from "./DataServiceError";
import type { DataServiceError } from "./DataServiceError";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";
import type { SnapshotEntry } from "./Inbox";
import type { InboxChange } from "./InboxLedger";
import type { DataError } from "shared/core/DataAccessLayer";

/** Any thrown value as a {@link DataServiceError} of kind `fallback` (DataServiceErrors pass through). */
export function toServiceError(value: unknown, fallback: DataServiceError["kind"]): DataServiceError {
	if (isServiceError(value)) return value;
	const message = typeIs(value, "table") && "message" in value ? (value as DataError).message : tostring(value);
	return serviceError(fallback, message);
}

/**
 * The held sender's session and a copy of its data with `amounts` taken away (throws `ValidationFailed`
 * when it cannot pay, `NotLoaded` when not held): the `prepare` of gifts and offers.
 */
export function debitedCopy(ctx: ServiceContext, playerId: number, amounts: Amounts) {
	const session = ctx.sessions.require(playerId);
	const after = deepCopy(session.profile.Data.data);
	addAmounts(after, amounts, -1, false);
	return { session, after };
}

/**
 * A snapshot of a session's data after transfer `id`: every transfer the profile applied, plus this one.
 * Written into the player's inbox in the transfer's transaction, so a crash before the profile saves
 * restores it on the next load.
 */
export function snapshotEntry(session: Session, id: string, data: object): SnapshotEntry {
	const applied = new Array<string>();
	for (const [key] of pairs(session.profile.Data.applied)) applied.push(key);
	applied.push(id);
	const receipts = session.profile.Data.receipts;
	// The purchases in `d` travel with it: restored from this snapshot, they must not be granted again.
	const r = receipts !== undefined && receipts.size() > 0 ? [...receipts] : undefined;
	return { k: "s", n: session.profile.Data.seq + 1, d: deepCopy(data), a: applied, r };
}

/** Puts a committed transfer's snapshot into the session's profile (the pipeline's write, in memory). */
export function applySnapshot(session: Session, id: string, data: object, seq: number): void {
	const stored = session.profile.Data;
	stored.data = deepCopy(data);
	stored.applied[id] = true;
	session.appliedAt.set(id, session.saveSeq);
	stored.seq = seq;
}

/**
 * Commits a change of two inboxes (or more: a multi-player restore) in one transaction, only while `owners`
 * (the sessions whose side changes, by slot) still hold their profiles; throws NotLoaded when one was taken
 * over, else TransferFailed. Nothing changed when it throws.
 */
export function commitInboxes(
	ctx: ServiceContext,
	playerIds: ReadonlyArray<number>,
	changes: ReadonlyArray<InboxChange>,
	owners: ReadonlyArray<Session | undefined>,
): void {
	// By index: an owner-less slot is nil, which a Luau array built by map cannot hold.
	const tokens = new Array<string | undefined>(playerIds.size());
	for (let i = 0; i < playerIds.size(); i++) tokens[i] = owners[i]?.token;
	const result = ctx.inboxes.commit(playerIds, changes, tokens);
	if (result.status === "lost") {
		const lost = owners[result.slot]!;
		// The inbox names a newer session: this server's write was fenced off.
		ctx.audit.security("fencingRefused", [lost.userId], { operation: "transfer" });
		ctx.sessions.lose(lost);
		throw ctx.sessions.lostError(lost.userId);
	}
	if (result.status !== "committed") {
		ctx.stats.transferFailures += 1;
		const reason =
			result.status === "calledOff"
				? "the transaction was called off"
				: toServiceError(result.error, "TransferFailed").message;
		throw serviceError("TransferFailed", `the transfer did not commit: ${reason}`);
	}
}

/**
 * After a committed transfer: waits (outside any lock) for the changed profiles' saves, then drops the
 * transfer's inbox entries. Never throws: the transfer happened whatever the save does.
 * @returns whether every side was confirmed saved (unsaved sides are saved later or restored from the inbox).
 */
export function settleTransfer(
	ctx: ServiceContext,
	marks: ReadonlyArray<{ readonly session: Session; readonly mark: number }>,
	id: string,
): boolean {
	const failures = new Array<string>();
	const threads = marks.map(({ session, mark }) =>
		task.spawn(() => {
			const [ok, err] = pcall(() => ctx.saves.waitSaved(session, mark));
			if (!ok) failures.push(toServiceError(err, "SaveFailed").message);
		}),
	);
	while (threads.some((t) => coroutine.status(t) !== "dead")) task.wait(0.05);
	if (failures.size() > 0) {
		ctx.warn(`transfer ${id} committed, save not confirmed yet: ${failures[0]}`);
		// The entries stay until the saves land: claim again later, which removes what is saved by then.
		for (const { session } of marks) ctx.rooms.claims.claimLater(session.userId);
		return false;
	}
	for (const { session } of marks) ctx.rooms.claims.removeEntries(session, new Set([id]));
	return true;
}
