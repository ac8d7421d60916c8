import type { BackupManager } from "shared/core/BackupManager";
import type { PipelineStage } from "./PipelineStage";

/**
 * The BackupManager's place in the write pipeline. `check` takes a pre-update backup of each side's data
 * before a restore (always), and before a change whose context has `backup: true` when
 * `backupBeforeUpdates` is on; a backup that no store accepted refuses the change. `observe` notes every
 * written change, so the automatic pass backs up exactly the players whose data changed.
 *
 * @example
 * ```ts
 * dataService.AddStage(backupStage(backups, true));
 * ```
 */
export function backupStage(backups: BackupManager, backupBeforeUpdates: boolean): PipelineStage {
	return {
		name: "backup",
		slot: "backup",
		check: (change) => {
			const asked = change.kind === "restore" || (backupBeforeUpdates && change.context.backup === true);
			if (!asked) return undefined;
			for (const side of change.sides) {
				const failure = backups.PreUpdateBackup(side.playerId, side.before, `${change.kind} ${change.id}`);
				if (failure !== undefined)
					return { reason: `pre-update backup of ${side.playerId} failed: ${failure}` };
			}
			return undefined;
		},
		observe: (change) => {
			for (const side of change.sides) backups.NoteChange(side.playerId, side.after);
		},
	};
}
