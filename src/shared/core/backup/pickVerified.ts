import type { BackupCodec } from "./BackupCodec";
import type { BackupEntry, BackupRing } from "./BackupRing";

/** Which of the two stores a copy is in. */
export type BackupCopy = "primary" | "secondary";

/**
 * What one copy of a ring read gave: the ring, or why there is none (`missing`: the key is empty or does
 * not hold a ring; `unreadable`: the read failed, its envelope checksum included).
 */
export type RingRead =
	| { readonly ring: BackupRing }
	| { readonly failure: "missing" | "unreadable"; readonly detail?: string };

/** One copy a restore could not use, and why; the restore moved on to the next copy or older backup. */
export interface Fallback {
	readonly backupId: string;
	readonly time: number;
	readonly copy: BackupCopy;
	readonly reason: "missing" | "unreadable" | "undecodable" | "checksum";
	readonly detail?: string;
}

/** The backup a restore settled on. */
export interface VerifiedBackup {
	readonly entry: BackupEntry;
	readonly copy: BackupCopy;
	readonly data: unknown;
}

/**
 * Chooses the newest backup at or before `time` that verifies: its primary copy, else its secondary copy,
 * else the next older backup, each skipped copy reported in `fallbacks`. Data that fails its SHA-256 is
 * never returned.
 *
 * @returns the verified backup (undefined when none verifies) and every fallback taken, in order.
 * @example
 * ```ts
 * const { chosen, fallbacks } = pickVerified(codec, { ring: a }, { failure: "missing" }, os.time());
 * ```
 */
export function pickVerified(
	codec: BackupCodec,
	primary: RingRead,
	secondary: RingRead,
	time: number,
): { chosen?: VerifiedBackup; fallbacks: Array<Fallback> } {
	const copies: Array<[BackupCopy, RingRead]> = [
		["primary", primary],
		["secondary", secondary],
	];
	// Every backup either copy knows of, newest first: a backup missing from one copy is still a candidate.
	const candidates = new Map<string, BackupEntry>();
	for (const [, read] of copies) {
		if (!("ring" in read)) continue;
		for (const entry of read.ring.e) {
			if (typeIs(entry, "table") && typeIs(entry.t, "number") && entry.t <= time && !candidates.has(entry.i))
				candidates.set(entry.i, entry);
		}
	}
	const ordered = new Array<BackupEntry>();
	for (const [, entry] of candidates) ordered.push(entry);
	ordered.sort((a, b) => (a.t !== b.t ? a.t > b.t : a.i > b.i));

	const fallbacks = new Array<Fallback>();
	for (const candidate of ordered) {
		for (const [copy, read] of copies) {
			const base = { backupId: candidate.i, time: candidate.t, copy };
			if (!("ring" in read)) {
				fallbacks.push({ ...base, reason: read.failure, detail: read.detail });
				continue;
			}
			const entry = read.ring.e.find((e) => typeIs(e, "table") && e.i === candidate.i);
			if (entry === undefined) {
				fallbacks.push({ ...base, reason: "missing" });
				continue;
			}
			const opened = codec.open(entry);
			if (!opened.ok) {
				fallbacks.push({ ...base, reason: opened.failure });
				continue;
			}
			return { chosen: { entry, copy, data: opened.data }, fallbacks };
		}
	}
	return { fallbacks };
}
