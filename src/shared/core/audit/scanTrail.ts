import type { DataAccessLayer } from "../DataAccessLayer";
import type { AuditBatch, AuditHead } from "./AuditBatch";
import type { AuditKeys, StreamDirectory } from "./AuditKeys";
import type { AuditRange } from "./verifyAuditTrail";

/** Where a scan stands: the stream (in sorted order) and the batch to read next; resumable. */
export interface ScanPosition {
	readonly stream: number;
	readonly seq?: number;
}

/**
 * Reads the batches of every stream that may hold entries within `range`, newest first within each stream
 * (streams in id order), calling `visit` for each until it returns false; a batch flushed before
 * `range.from` ends its stream unread (an entry is never newer than its batch). Starts at `start` and returns
 * where it stopped (undefined when every stream was read). Reads are uncached, at background priority:
 * one for the directory, one per stream's checkpoint, one per batch.
 */
export function scanTrail(
	dal: DataAccessLayer,
	keys: AuditKeys,
	range: AuditRange,
	visit: (stream: string, batch: AuditBatch) => boolean,
	start: ScanPosition = { stream: 0 },
): ScanPosition | undefined {
	const from = range.from ?? -math.huge;
	const to = range.to ?? math.huge;
	const options = { priority: "background" as const, useCache: false };
	const directory = dal.read<StreamDirectory>(keys.directory(), options).expect()?.data ?? {};
	const ids = new Array<string>();
	for (const [stream, started] of pairs(directory)) if (started <= to) ids.push(stream);
	table.sort(ids);
	for (let s = start.stream; s < ids.size(); s++) {
		const stream = ids[s];
		let seq = s === start.stream ? start.seq : undefined;
		if (seq === undefined) {
			const head = dal.read<AuditHead>(keys.head(stream), options).expect()?.data;
			if (head === undefined || head.time < from) continue;
			seq = head.seq;
		}
		for (; seq >= 1; seq--) {
			const batch = dal.read<AuditBatch>(keys.batch(stream, seq), options).expect()?.data;
			if (batch === undefined) continue;
			if (batch.time < from) break;
			if (!visit(stream, batch)) return { stream: s, seq };
		}
	}
	return undefined;
}
