import type { ConsistencyIssue } from "./ConsistencyIssue";
import type { RepairRecord } from "./repairData";

/** What a repair did (or, in a dry run, would do). */
export interface RepairReport {
	readonly dryRun: boolean;
	/** True once the repaired data replaced the player's data (never in a dry run). */
	readonly applied: boolean;
	readonly repairs: ReadonlyArray<RepairRecord>;
	/** Issues with no declared fix: with any, the document is beyond repair (see quarantine). */
	readonly unrepaired: ReadonlyArray<ConsistencyIssue>;
	/** The emergency backup taken before the repair: restoring it undoes the repair exactly. */
	readonly backup?: { readonly id: string; readonly time: number };
	/** Why nothing was applied (the backup failed, the write was refused). */
	readonly failure?: string;
}

/** Where a document beyond repair went. */
export interface QuarantineNote {
	readonly incidentId: string;
	/** The DataStore version of the profile key it was pinned at. */
	readonly version?: string;
	/** What the player got: the load refused, or a fresh profile (the quarantined copy kept apart). */
	readonly outcome: "refused" | "fresh" | "flagged";
}

/** The outcome of {@link DataService.RunConsistencyCheck} (and of the checks on load and on schedule). */
export interface ConsistencyReport {
	readonly playerId: number;
	/** No issue found. */
	readonly ok: boolean;
	readonly issues: ReadonlyArray<ConsistencyIssue>;
	readonly schemaVersion: number;
	/** Unix seconds. */
	readonly checkedAt: number;
	/** Present when a repair was asked for and there was something to repair. */
	readonly repair?: RepairReport;
	/** Present when the document was quarantined. */
	readonly quarantine?: QuarantineNote;
}
