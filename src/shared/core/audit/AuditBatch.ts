import { canonicalJson } from "../dal/Canonical";
import type { AuditEntry } from "./AuditEntry";

/** The format version of batches and heads. */
export const AUDIT_FORMAT = 1;

/** The `previous` of a stream's first batch. */
export const GENESIS_HASH = string.rep("0", 64);

/**
 * One flush of one server's stream, stored under `<stream>/<seq>`. Its hash is the SHA-256 of the
 * canonical JSON of everything but `entries` (see {@link batchHashInput}); `hashes[i]` is the SHA-256 of
 * the canonical JSON of `entries[i]`, so the batch hash binds every entry, in order, while an erased
 * entry's content can go without changing any hash.
 */
export interface AuditBatch {
	readonly format: number;
	/** The server's stream id. */
	readonly stream: string;
	/** 1 for the stream's first batch, +1 for each next one. */
	readonly seq: number;
	/** Unix seconds of the flush. */
	readonly time: number;
	/** The hash of batch `seq - 1` of the stream ({@link GENESIS_HASH} for the first). */
	readonly previous: string;
	/** The hash of each entry, in order. */
	readonly hashes: ReadonlyArray<string>;
	readonly entries: ReadonlyArray<AuditEntry>;
}

/** A stream's checkpoint, stored apart from the batches: the last batch written and its hash. */
export interface AuditHead {
	readonly format: number;
	readonly stream: string;
	readonly seq: number;
	readonly hash: string;
	readonly time: number;
	/**
	 * The stream's index watermark: every batch up to this seq is listed in the index of every player it
	 * names; later ones may not be yet (player indexes are written every `indexInterval`). Absent: `seq`.
	 */
	readonly indexed?: number;
}

/** The head's index watermark (see {@link AuditHead.indexed}). */
export function indexedThrough(head: AuditHead): number {
	return head.indexed ?? head.seq;
}

/** What a batch's hash covers: every field but the entries themselves (their hashes stand for them). */
export function batchHashInput(batch: AuditBatch): string {
	return canonicalJson({
		format: batch.format,
		stream: batch.stream,
		seq: batch.seq,
		time: batch.time,
		previous: batch.previous,
		hashes: batch.hashes,
	});
}
