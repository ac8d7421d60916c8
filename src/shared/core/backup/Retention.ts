import type { BackupEntry } from "./BackupRing";

/**
 * One retention tier: backups younger than `maxAge` seconds (and older than the tier before) are kept,
 * at most one per `spacing` seconds (0 keeps every one). Backups older than the last tier are dropped.
 */
export interface RetentionTier {
	readonly maxAge: number;
	readonly spacing: number;
}

/** Every backup for 24 h, hourly for 7 days, daily for 30 days (the example). */
export const DEFAULT_RETENTION: ReadonlyArray<RetentionTier> = [
	{ maxAge: 24 * 3600, spacing: 0 },
	{ maxAge: 7 * 24 * 3600, spacing: 3600 },
	{ maxAge: 30 * 24 * 3600, spacing: 24 * 3600 },
];

/**
 * The backups a ring keeps at `now` under `tiers` (sorted by maxAge): within a spaced tier, the newest
 * backup of each `spacing`-long slot of time survives. The newest backup of the ring is always kept, so a
 * player who stopped playing long ago still has one to restore.
 *
 * @param entries - oldest first.
 * @returns the kept entries, oldest first.
 * @example
 * ```ts
 * const kept = applyRetention(ring.e, os.time(), DEFAULT_RETENTION);
 * ```
 */
export function applyRetention(
	entries: ReadonlyArray<BackupEntry>,
	now: number,
	tiers: ReadonlyArray<RetentionTier>,
): Array<BackupEntry> {
	const kept = new Array<BackupEntry>();
	const slotsTaken = new Set<string>();
	// Newest first, so the newest backup of each slot claims it.
	for (let i = entries.size() - 1; i >= 0; i--) {
		const entry = entries[i];
		const age = now - entry.t;
		const tierIndex = tiers.findIndex((tier) => age <= tier.maxAge);
		if (tierIndex < 0) {
			if (i === entries.size() - 1) kept.push(entry);
			continue;
		}
		const spacing = tiers[tierIndex].spacing;
		if (spacing > 0) {
			const slot = `${tierIndex}:${math.floor(entry.t / spacing)}`;
			if (slotsTaken.has(slot) && i !== entries.size() - 1) continue;
			slotsTaken.add(slot);
		}
		kept.push(entry);
	}
	const oldestFirst = new Array<BackupEntry>();
	for (let i = kept.size() - 1; i >= 0; i--) oldestFirst.push(kept[i]);
	return oldestFirst;
}

/** Checks a tier list (misuse throws at once). */
export function checkTiers(tiers: ReadonlyArray<RetentionTier>): void {
	let previous = 0;
	for (let i = 1; i <= tiers.size(); i++) {
		const tier = tiers[i - 1];
		if (!typeIs(tier.maxAge, "number") || tier.maxAge <= previous) {
			error(
				`[BackupManager] retention[${i}].maxAge must be a number above ${previous}, got ${tostring(tier.maxAge)}`,
				3,
			);
		}
		if (!typeIs(tier.spacing, "number") || tier.spacing < 0) {
			error(
				`[BackupManager] retention[${i}].spacing must be a number of seconds >= 0, got ${tostring(tier.spacing)}`,
				3,
			);
		}
		previous = tier.maxAge;
	}
}
