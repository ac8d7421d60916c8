import { canonicalJson } from "../dal/Canonical";
import type { AuditCategory, AuditEntry, AuditLevel } from "./AuditEntry";

/** A found entry and where it is stored. */
export interface AuditRecord {
	readonly stream: string;
	readonly seq: number;
	/** 1-based position in its batch. */
	readonly index: number;
	readonly entry: AuditEntry;
}

/** Counts of a set of entries, for compliance reports. */
export interface AuditCounts {
	readonly total: number;
	readonly byCategory: Record<AuditCategory, number>;
	readonly byLevel: Record<AuditLevel, number>;
	/** By `<category>:<type>` ("data:update", "security:accessDenied"). */
	readonly byType: Record<string, number>;
	/** Entries whose content was erased. */
	readonly erased: number;
}

/** A compliance report: the counts of what was recorded, and the security events themselves. */
export interface AuditReport extends AuditCounts {
	/** The player it is about (player reports). */
	readonly userId?: number;
	/** The period, Unix seconds (open ends absent). */
	readonly from?: number;
	readonly to?: number;
	readonly generatedAt: number;
	/** Every security entry, oldest batch first (period reports keep the first `maxSecurityEvents`). */
	readonly securityEvents: ReadonlyArray<AuditRecord>;
	/** Every entry (player reports only: everything recorded about the player). */
	readonly records?: ReadonlyArray<AuditRecord>;
	/** Batches read to build it. */
	readonly batchesRead: number;
}

/** Empty counts, to fill with {@link countEntry}. */
export function emptyCounts(): {
	total: number;
	byCategory: Record<AuditCategory, number>;
	byLevel: Record<AuditLevel, number>;
	byType: Record<string, number>;
	erased: number;
} {
	return {
		total: 0,
		byCategory: { data: 0, security: 0, performance: 0, error: 0 },
		byLevel: { debug: 0, info: 0, warning: 0, error: 0, critical: 0 },
		byType: {},
		erased: 0,
	};
}

/** Adds one entry to `counts`. */
export function countEntry(counts: ReturnType<typeof emptyCounts>, entry: AuditEntry): void {
	counts.total += 1;
	counts.byCategory[entry.category] += 1;
	counts.byLevel[entry.level] += 1;
	const key = `${entry.category}:${entry.type}`;
	counts.byType[key] = (counts.byType[key] ?? 0) + 1;
	if (entry.erased === true) counts.erased += 1;
}

/**
 * The records as JSON lines: one canonical JSON object per line (`stream`, `seq`, `index` and the entry's
 * fields), each line ending in "\n", for regulators' and data-warehouse tools.
 * @example
 * ```ts
 * toJsonLines(report.records!); // '{"category":"data","index":1,...}\n...'
 * ```
 */
export function toJsonLines(records: ReadonlyArray<AuditRecord>): string {
	const lines = new Array<string>();
	for (const r of records) lines.push(canonicalJson({ ...r.entry, stream: r.stream, seq: r.seq, index: r.index }));
	return lines.size() > 0 ? lines.join("\n") + "\n" : "";
}
