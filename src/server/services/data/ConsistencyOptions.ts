import type { ConsistencyReport } from "shared/core/consistency/ConsistencyReport";
import type { ConsistencyRules } from "shared/core/consistency/ConsistencyRules";

/**
 * DataServiceConfig.consistency: the game's rules for the ConsistencyChecker (catalog, unique items,
 * business rules, temporal rules, anomalies) and what DataService does with its findings.
 *
 * @example
 * ```ts
 * createDataService({ schema, template, checkConsistencyOnRead: true, enableBackups: true, consistency: {
 * 	catalog: ["sword", "shield"], uniqueItems: [{ path: "items" }], rules: [levelCap("level", 100)],
 * 	onQuarantine: "fresh", checkInterval: 600,
 * } });
 * ```
 */
export interface ConsistencyOptions extends ConsistencyRules {
	/**
	 * Apply declared fixes on load and on schedule (default true; each after an emergency backup, so only
	 * with a BackupManager: `enableBackups` or `backupBeforeUpdates`).
	 */
	readonly repair?: boolean;
	/**
	 * What a player whose data is beyond repair gets on load: "refuse" (the load rejects `Quarantined`,
	 * the profile is left as it was; default) or "fresh" (the template, written over the profile while the
	 * quarantined copy stays in the quarantine store).
	 */
	readonly onQuarantine?: "refuse" | "fresh";
	/** Also copy a player holding a duplicated item id to the quarantine store (flagged; default false). */
	readonly quarantineDuplicates?: boolean;
	/**
	 * Seconds between scheduled checks of each held player, at background priority (default 0: off). A player
	 * unchanged since a check that found nothing (inbox included) is skipped: an idle player costs nothing.
	 */
	readonly checkInterval?: number;
	/** DataStore of quarantined documents (default "DataService.Quarantine"). */
	readonly quarantineStoreName?: string;
	/** MemoryStore hash map of the uniqueness index (default "DataService.ItemOwners"). */
	readonly ownerMapName?: string;
	/**
	 * Seconds after which a duplicate the index reported but the other holder's stored data did not show
	 * is looked at again (default 90: past ProfileService's 30 s auto-save, so an item that holder just
	 * received is in the store by then). Shown then, it is reported; still absent, the index entry was stale.
	 */
	readonly recheckDelay?: number;
	/**
	 * Called with every report that found issues (on load, on schedule, on demand) and with each duplicate
	 * the write path or a recheck confirms: a game's telemetry or moderation hook. Must not yield.
	 */
	readonly onReport?: (report: ConsistencyReport) => void;
}
