import type { DataAccessLayer } from "../DataAccessLayer";
import type { AuditHead } from "./AuditBatch";
import type { AuditKeys, StreamDirectory } from "./AuditKeys";

/** What one cleanup pass did. */
export interface RetentionResult {
	/** Streams wholly removed. */
	readonly streams: number;
	readonly batches: number;
	/** DataStore requests spent. */
	readonly requests: number;
	/** False when the request budget ran out first: call again. */
	readonly done: boolean;
}

/** The `retiring` document: streams being deleted and the seq to delete from (downwards). */
type Retiring = Record<string, number>;

/**
 * Deletes every stream whose checkpoint is older than `cutoff` (Unix seconds), spending about `maxRequests`
 * DataStore requests per call (more only until the call has removed something, so each call makes
 * progress: the directory scan and the two writes that retire streams; and at most 3 past it to finish a
 * step), all at background priority (the DataAccessLayer waits for budget above the
 * reserve of player saves). A stream is first listed in `<base>.Heads`/`retiring` and taken out of the
 * directory (so verification stops expecting it), then its batches are removed newest first and its
 * checkpoint last; a pass cut short resumes from `retiring`. `announce` is called once per stream before
 * anything is removed (the logger records it as a security entry naming the stream's head hash).
 * A stream still running is never old: its checkpoint moves at every flush.
 */
export function cleanupRetention(
	dal: DataAccessLayer,
	keys: AuditKeys,
	own: string,
	cutoff: number,
	maxRequests: number,
	announce: (head: AuditHead) => void,
): RetentionResult {
	const options = { priority: "background" as const };
	const retiringRef = { store: keys.head("retiring").store, key: "retiring" };
	let requests = 0;
	let streams = 0;
	let batches = 0;
	let progressed = false;
	// The budget may be overrun only until the pass has done something, so every pass makes progress.
	const spend = () => {
		requests += 1;
		return requests <= maxRequests || !progressed;
	};
	if (!spend()) return { streams, batches, requests, done: false };
	const retiring: Retiring = {
		...(dal.read<Retiring>(retiringRef, { ...options, useCache: false }).expect()?.data ?? {}),
	};
	if (!spend()) return { streams, batches, requests, done: false };
	const directory = dal.read<StreamDirectory>(keys.directory(), { ...options, useCache: false }).expect()?.data ?? {};
	const old = new Array<AuditHead>();
	for (const [stream] of pairs(directory)) {
		if (stream === own || retiring[stream] !== undefined) continue;
		if (!spend()) return { streams, batches, requests, done: false };
		const head = dal.read<AuditHead>(keys.head(stream), { ...options, useCache: false }).expect()?.data;
		if (head !== undefined && head.time < cutoff) old.push(head);
	}
	if (old.size() > 0) {
		if (requests + 2 > maxRequests && progressed) return { streams, batches, requests, done: false };
		for (const head of old) announce(head);
		progressed = true;
		requests += 2;
		dal.update<Retiring>(
			retiringRef,
			(current) => {
				const copy = { ...(current ?? {}) };
				for (const head of old) copy[head.stream] = head.seq;
				return copy;
			},
			options,
		).expect();
		dal.update<StreamDirectory>(
			keys.directory(),
			(current) => {
				const copy = { ...(current ?? {}) };
				for (const head of old) delete copy[head.stream];
				return copy;
			},
			options,
		).expect();
		for (const head of old) retiring[head.stream] = head.seq;
	}
	for (const [stream, top] of pairs(retiring)) {
		for (let seq = top; seq >= 1; seq--) {
			if (!spend()) {
				// Remember how far this stream got, so the next pass does not reread what is gone.
				dal.update<Retiring>(
					retiringRef,
					(current) => ({ ...(current ?? {}), [stream]: seq }),
					options,
				).expect();
				return { streams, batches, requests, done: false };
			}
			dal.remove(keys.batch(stream, seq), options).expect();
			batches += 1;
			progressed = true;
		}
		if (!spend()) return { streams, batches, requests, done: false };
		dal.remove(keys.head(stream), options).expect();
		requests += 1;
		dal.update<Retiring>(
			retiringRef,
			(current) => {
				const copy = { ...(current ?? {}) };
				delete copy[stream];
				return copy;
			},
			options,
		).expect();
		streams += 1;
	}
	return { streams, batches, requests, done: true };
}
