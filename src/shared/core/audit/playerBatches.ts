import type { DataAccessLayer } from "../DataAccessLayer";
import { AuditBatch, AuditHead, indexedThrough } from "./AuditBatch";
import type { AuditKeys, PlayerIndexRef, StreamDirectory } from "./AuditKeys";
import { lastSeq } from "./PendingIndex";

/** One batch to read: its stream and seq. */
export interface BatchPosition {
	readonly stream: string;
	readonly seq: number;
}

/**
 * Appends to `out` every batch `refs` cover, in their order, skipping those already in `seen` (a batch an
 * index ref and a still-unwritten ref both cover is read once, so no entry is returned twice).
 * @example
 * ```ts
 * addRefs([{ stream: "s", seq: 2, last: 4, from: 0, to: 9 }], seen, out); // s/2, s/3, s/4
 * ```
 */
export function addRefs(refs: ReadonlyArray<PlayerIndexRef>, seen: Set<string>, out: Array<BatchPosition>): void {
	for (const ref of refs) {
		for (let seq = ref.seq; seq <= lastSeq(ref); seq++) {
			const id = `${ref.stream}/${seq}`;
			if (seen.has(id)) continue;
			seen.add(id);
			out.push({ stream: ref.stream, seq });
		}
	}
}

/**
 * The batches no player index may list yet, for requests that must find everything about a player (an
 * erasure, a subject access report): in every stream of the directory, those past its checkpoint's index
 * watermark, and any written past the checkpoint itself (a crash between a batch and its checkpoint).
 * Costs one read for the directory and two per stream (its checkpoint, one probe past it), plus nothing
 * for a stream whose watermark is its head (closed cleanly, or idle for `indexInterval`).
 * @example
 * ```ts
 * const tail = unindexedBatches(dal, keys); // [{ stream: "job-1", seq: 41 }, ...]
 * ```
 */
export function unindexedBatches(dal: DataAccessLayer, keys: AuditKeys): Array<BatchPosition> {
	const options = { priority: "background" as const, useCache: false };
	const directory = dal.read<StreamDirectory>(keys.directory(), options).expect()?.data ?? {};
	const out = new Array<BatchPosition>();
	for (const [stream] of pairs(directory)) {
		const head = dal.read<AuditHead>(keys.head(stream), options).expect()?.data;
		const seq = head?.seq ?? 0;
		for (let s = head !== undefined ? indexedThrough(head) + 1 : 1; s <= seq; s++) out.push({ stream, seq: s });
		for (let s = seq + 1; ; s++) {
			const batch = dal.read<AuditBatch>(keys.batch(stream, s), options).expect()?.data;
			if (batch === undefined) break;
			out.push({ stream, seq: s });
		}
	}
	return out;
}
