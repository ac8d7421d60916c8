import type { RestoreTarget } from "shared/core/BackupManager";
import { deepCopy } from "shared/protocol/deepCopy";
import { serviceError } from "./DataServiceError";
import type { ServiceContext } from "./ServiceContext";

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
		const outcome = this.ctx.pipeline.run({
			kind: "restore",
			context,
			lock: [playerId],
			what: "restored data",
			prepare: () => {
				const session = this.ctx.sessions.get(playerId);
				if (session === undefined) {
					throw serviceError("NotLoaded", `player ${playerId} left before the restore was applied`);
				}
				return [{ session, after: data, worth: 1e6 }];
			},
		});
		// A restore is an operator's act: saved now rather than at the next auto-save.
		for (const { session } of outcome.marks) session.profile.Save();
	}
}
