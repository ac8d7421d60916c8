import type { RestoreTarget } from "shared/core/BackupManager";
import { deepCopy } from "shared/protocol/deepCopy";
import { serviceError } from "./DataServiceError";
import { InboxDocument, withEntry } from "./Inbox";
import type { ServiceContext } from "./ServiceContext";
import { applySnapshot, commitInboxes, settleTransfer, snapshotEntry } from "./TransferResults";

/**
 * The seam through which BackupManager restores a player: the restored data replaces the profile's data
 * through the write pipeline as a `restore` change (locked, validated whole, backed up first by the backup
 * stage, audited and cached like any change) and is saved at once. A player this server does not hold is
 * loaded first (ProfileService's session lock; a holder elsewhere is asked to release, as for any load)
 * and released after.
 */
export class Restores implements RestoreTarget {
	constructor(
		private readonly ctx: ServiceContext,
		private readonly sessionLock: {
			readonly load: (playerId: number) => void;
			readonly release: (playerId: number) => void;
		},
	) {}

	acquire(playerId: number): void {
		this.sessionLock.load(playerId);
	}

	release(playerId: number): void {
		this.sessionLock.release(playerId);
	}

	current(playerId: number): object | undefined {
		const session = this.ctx.sessions.get(playerId);
		return session !== undefined ? deepCopy(session.profile.Data.data) : undefined;
	}

	replace(playerId: number, data: object, context: { source: "restore"; backupId: string; time: number }): void {
		this.ctx.pipeline.run({
			kind: "restore",
			context,
			lock: [playerId],
			what: "restored data",
			// An operator's act: saved now, and reported applied only once the save landed (a server that lost
			// the lock meanwhile cannot save it: the restore then rejects instead of reporting a lost write).
			durable: true,
			prepare: () => {
				const session = this.ctx.sessions.get(playerId);
				if (session === undefined) {
					throw serviceError("NotLoaded", `player ${playerId} left before the restore was applied`);
				}
				return [{ session, after: data, worth: 1e6 }];
			},
		});
	}

	/**
	 * Restores several held players all or nothing, as one `restore` change over all their locks: each
	 * player's restored data goes into their inbox as a snapshot, every inbox in one DataAccessLayer
	 * transaction fenced by the sessions' tokens, and only then into the profiles (as a trade commits). A
	 * crash before the commit point leaves nobody restored; after it, each player's next load (here or on any
	 * server) applies their snapshot. The saves are awaited after the pipeline; their entries stay in the
	 * inboxes until confirmed. Needs `enableTransactions`.
	 */
	replaceAll(
		restores: ReadonlyArray<{ readonly playerId: number; readonly data: object; readonly backupId: string }>,
		context: { source: "restore"; time: number },
	): void {
		const ctx = this.ctx;
		if (!ctx.config.enableTransactions) {
			throw serviceError("TransferFailed", "restoring several players at once needs enableTransactions");
		}
		const ids = restores.map((r) => r.playerId);
		const outcome = ctx.pipeline.run({
			kind: "restore",
			context: { ...context, backups: restores.map((r) => `${r.playerId}:${r.backupId}`).join(",") },
			lock: ids,
			what: "restored data",
			durable: true,
			prepare: () =>
				restores.map(({ playerId, data }) => {
					const session = ctx.sessions.get(playerId);
					if (session === undefined) {
						throw serviceError("NotLoaded", `player ${playerId} left before the restore was applied`);
					}
					return { session, after: data, worth: 1e6 };
				}),
			write: (sides, id) => {
				const entries = sides.map((side) => snapshotEntry(side.session, id, side.after!));
				commitInboxes(
					ctx,
					ids,
					entries.map((entry) => (inbox?: InboxDocument) => withEntry(inbox, id, entry)),
					sides.map((side) => side.session),
				);
				sides.forEach((side, i) => applySnapshot(side.session, id, side.after!, entries[i].n));
				return undefined;
			},
		});
		settleTransfer(ctx, outcome.marks, outcome.id);
	}
}
