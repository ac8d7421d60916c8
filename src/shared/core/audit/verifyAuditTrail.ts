import type { DataAccessLayer } from "../DataAccessLayer";
import { canonicalJson } from "../dal/Canonical";
import { AuditBatch, AuditHead, batchHashInput, GENESIS_HASH } from "./AuditBatch";
import type { AuditKeys, StreamDirectory } from "./AuditKeys";

/** What {@link verifyAuditTrail} found wrong. */
export type AuditProblemKind =
	/** A stream in the directory has no checkpoint. */
	| "headMissing"
	/** A batch the chain needs is absent (deleted). */
	| "batchMissing"
	/** A batch's stream or seq is not the one its key names (moved or swapped). */
	| "batchMisplaced"
	/** A batch's hash is not the one the next batch (or the checkpoint) recorded: edited or replaced. */
	| "batchEdited"
	/** A batch exists past the checkpoint: appended after it, or a crash between a flush and its checkpoint. */
	| "batchBeyondHead"
	/** The first batch does not start from the genesis hash. */
	| "chainStart"
	/** A batch holds more or fewer entries than hashes: an entry was inserted or deleted. */
	| "entryCount"
	/** An entry's hash differs from the recorded one: edited, or moved within or between batches. */
	| "entryEdited";

/** One problem: where it is and what is wrong. */
export interface AuditProblem {
	readonly kind: AuditProblemKind;
	readonly stream: string;
	readonly seq?: number;
	readonly entry?: number;
	readonly message: string;
}

/** The verdict of {@link verifyAuditTrail}. */
export interface AuditVerification {
	/** True when no problem was found. */
	readonly ok: boolean;
	readonly problems: ReadonlyArray<AuditProblem>;
	readonly streams: number;
	readonly batches: number;
	readonly entries: number;
	/** Entries whose content was erased (their hashes still bind their place). */
	readonly erased: number;
}

/** A time range in Unix seconds, either end open. */
export interface AuditRange {
	readonly from?: number;
	readonly to?: number;
}

function isBatch(value: unknown): value is AuditBatch {
	const b = value as AuditBatch;
	return (
		typeIs(value, "table") &&
		typeIs(b.seq, "number") &&
		typeIs(b.previous, "string") &&
		typeIs(b.hashes, "table") &&
		typeIs(b.entries, "table")
	);
}

/**
 * Verifies every stream of the trail that was live within `range`, from its checkpoint backwards: the
 * checkpoint names the last batch and its hash, each batch names its predecessor's hash, each batch's hash
 * covers its entries' hashes. So a deleted, edited, moved or inserted batch or entry breaks a link that is
 * reported; batches flushed before `range.from` are not read (the first one before it is, as the anchor).
 * An entry in its erased form is counted, not hashed: its content is gone by design, so replacing an entry
 * by an erased one is not detected (its place, count and order are).
 * Reads go through the DataAccessLayer at background priority, uncached: one read per batch, plus one
 * per stream for its checkpoint and one probe past it.
 */
export function verifyAuditTrail(
	dal: DataAccessLayer,
	keys: AuditKeys,
	hash: (text: string) => string,
	range: AuditRange,
): AuditVerification {
	const from = range.from ?? -math.huge;
	const to = range.to ?? math.huge;
	const read = <T>(ref: ReturnType<AuditKeys["batch"]>) =>
		dal.read<T>(ref, { priority: "background", useCache: false }).expect()?.data;
	const problems = new Array<AuditProblem>();
	let batches = 0;
	let entries = 0;
	let erased = 0;
	let streams = 0;
	const directory = read<StreamDirectory>(keys.directory()) ?? {};
	const ids = new Array<string>();
	for (const [stream, started] of pairs(directory)) if (started <= to) ids.push(stream);
	table.sort(ids);
	for (const stream of ids) {
		const head = read<AuditHead>(keys.head(stream));
		if (head === undefined) {
			problems.push({ kind: "headMissing", stream, message: `stream ${stream} has no checkpoint` });
			continue;
		}
		if (head.time < from) continue;
		streams += 1;
		if (read(keys.batch(stream, head.seq + 1)) !== undefined) {
			problems.push({
				kind: "batchBeyondHead",
				stream,
				seq: head.seq + 1,
				message: `batch ${head.seq + 1} of ${stream} is past its checkpoint (seq ${head.seq})`,
			});
		}
		// The hash the batch under the cursor must have; undefined after a gap (nothing vouches for it).
		let expected: string | undefined = head.hash;
		for (let seq = head.seq; seq >= 1; seq--) {
			const value = read(keys.batch(stream, seq));
			if (!isBatch(value)) {
				problems.push({ kind: "batchMissing", stream, seq, message: `batch ${seq} of ${stream} is missing` });
				expected = undefined;
				continue;
			}
			batches += 1;
			const batch = value;
			if (batch.seq !== seq || batch.stream !== stream) {
				problems.push({
					kind: "batchMisplaced",
					stream,
					seq,
					message: `key ${stream}/${seq} holds batch ${tostring(batch.stream)}/${tostring(batch.seq)}`,
				});
			}
			const actual = hash(batchHashInput(batch));
			if (expected !== undefined && actual !== expected) {
				problems.push({
					kind: "batchEdited",
					stream,
					seq,
					message: `batch ${seq} of ${stream} hashes to ${actual}, the chain recorded ${expected}`,
				});
			}
			if (seq === 1 && batch.previous !== GENESIS_HASH) {
				problems.push({ kind: "chainStart", stream, seq, message: `batch 1 of ${stream} has a predecessor` });
			}
			if (batch.entries.size() !== batch.hashes.size()) {
				problems.push({
					kind: "entryCount",
					stream,
					seq,
					message: `batch ${seq} of ${stream} holds ${batch.entries.size()} entries for ${batch.hashes.size()} hashes`,
				});
			}
			for (let i = 0; i < batch.entries.size(); i++) {
				entries += 1;
				const entry = batch.entries[i];
				if (entry.erased === true) {
					erased += 1;
					continue;
				}
				const [ok, encoded] = pcall(() => canonicalJson(entry));
				if (!ok || hash(encoded as string) !== batch.hashes[i]) {
					problems.push({
						kind: "entryEdited",
						stream,
						seq,
						entry: i + 1,
						message: `entry ${i + 1} of batch ${seq} of ${stream} does not match its recorded hash`,
					});
				}
			}
			expected = batch.previous;
			if (batch.time < from) break;
		}
	}
	return { ok: problems.size() === 0, problems, streams, batches, entries, erased };
}
