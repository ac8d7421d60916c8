import type { DataAccessLayer } from "../DataAccessLayer";
import { AUDIT_FORMAT, AuditBatch, AuditHead, batchHashInput, GENESIS_HASH, indexedThrough } from "./AuditBatch";
import type { AuditKeys, StreamDirectory } from "./AuditKeys";

/** A batch {@link recoverStreams} moved a checkpoint over. */
export interface RecoveredBatch {
	readonly batch: AuditBatch;
	/** The checkpoint's seq before. */
	readonly from: number;
}

/** A dead stream whose batches past its index watermark must be indexed by the recovering server. */
export interface UnindexedStream {
	readonly stream: string;
	/** Its batches past the watermark, oldest first (recovered ones included). */
	readonly batches: ReadonlyArray<AuditBatch>;
	/** The checkpoint's seq once recovered: the watermark to record once they are indexed. */
	readonly through: number;
}

/**
 * Moves the checkpoint of every other stream over the batches a crash left past it. A flush writes its
 * batch, then the stream's checkpoint: a server that dies between the two leaves a batch the checkpoint does
 * not vouch for, which verification reports as `batchBeyondHead`. A batch is taken only when it is where
 * the next batch must be (key `<stream>/<head.seq + 1>`, same stream and seq inside) and names the
 * checkpoint's hash as its predecessor: exactly what the dead server would have checkpointed. Its entries
 * are then checked by verification like any other. Streams whose checkpoint moved within `quietSeconds`
 * are live (their own next flush writes the checkpoint) and left alone. Each checkpoint is moved with an
 * UpdateAsync that writes only if it is still the one read.
 *
 * Not a way around tamper evidence: a batch forged past a dead stream's checkpoint with the right
 * predecessor is taken too, so the logger records every recovery as a security entry naming the batch.
 *
 * Also returns, per dead stream, the batches past its index watermark (a crashed server had not written
 * those player indexes yet; the moved checkpoint keeps the old watermark until they are written).
 */
export function recoverStreams(
	dal: DataAccessLayer,
	keys: AuditKeys,
	hash: (text: string) => string,
	own: string,
	now: number,
	quietSeconds: number,
): { recovered: Array<RecoveredBatch>; unindexed: Array<UnindexedStream> } {
	const options = { priority: "background" as const, useCache: false };
	const directory = dal.read<StreamDirectory>(keys.directory(), options).expect()?.data ?? {};
	const recovered = new Array<RecoveredBatch>();
	const unindexed = new Array<UnindexedStream>();
	for (const [stream] of pairs(directory)) {
		if (stream === own) continue;
		const head = dal.read<AuditHead>(keys.head(stream), options).expect()?.data;
		if (head !== undefined && now - head.time < quietSeconds) continue;
		let seq = head?.seq ?? 0;
		let last = head?.hash ?? GENESIS_HASH;
		const from = seq;
		const taken = new Array<AuditBatch>();
		for (;;) {
			const batch = dal.read<AuditBatch>(keys.batch(stream, seq + 1), options).expect()?.data;
			if (batch === undefined || batch.stream !== stream || batch.seq !== seq + 1 || batch.previous !== last)
				break;
			taken.push(batch);
			seq = batch.seq;
			last = hash(batchHashInput(batch));
		}
		const indexed = head !== undefined ? indexedThrough(head) : 0;
		const gap = new Array<AuditBatch>();
		for (let s = indexed + 1; s <= from; s++) {
			const batch = dal.read<AuditBatch>(keys.batch(stream, s), options).expect()?.data;
			if (batch !== undefined) gap.push(batch);
		}
		if (taken.size() > 0) {
			let moved = false;
			dal.update<AuditHead>(
				keys.head(stream),
				(current) => {
					moved = (current?.seq ?? 0) === from;
					return moved ? { format: AUDIT_FORMAT, stream, seq, hash: last, time: now, indexed } : undefined;
				},
				{ priority: "background" },
			).expect();
			if (!moved) continue;
			for (const batch of taken) recovered.push({ batch, from });
		}
		if (gap.size() + taken.size() > 0) unindexed.push({ stream, batches: [...gap, ...taken], through: seq });
	}
	return { recovered, unindexed };
}

/**
 * Records that a recovered stream's batches up to `through` are indexed (after the recovering server wrote
 * those player indexes): only if its checkpoint still ends there.
 */
export function markIndexed(dal: DataAccessLayer, keys: AuditKeys, stream: string, through: number): void {
	dal.update<AuditHead>(
		keys.head(stream),
		(current) =>
			current !== undefined && current.seq === through && indexedThrough(current) < through
				? { ...current, indexed: through }
				: undefined,
		{ priority: "background" },
	).expect();
}
