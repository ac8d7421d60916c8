import type { AuditBatch } from "./AuditBatch";
import type { PlayerIndexRef } from "./AuditKeys";

/**
 * A ref may be stretched over at most this many batches that do not name its player (they are read and
 * filtered by a query): a player active most minutes keeps one ref per session instead of one per batch.
 */
export const MAX_REF_GAP = 2;

/** The last seq a ref covers. */
export function lastSeq(ref: PlayerIndexRef): number {
	return ref.last ?? ref.seq;
}

/**
 * Adds `ref` to `refs` in place: merged into a ref of the same stream that it overlaps or continues within
 * {@link MAX_REF_GAP} batches, else appended. Merging a ref already covered changes nothing, so a retried
 * index write that had landed lists no batch twice.
 * @returns whether `refs` changed.
 * @example
 * ```ts
 * mergeRef(refs, { stream: "s", seq: 4, from: 10, to: 12 }); // extends { stream: "s", seq: 2, last: 3 } to 2..4
 * ```
 */
export function mergeRef(refs: Array<PlayerIndexRef>, ref: PlayerIndexRef): boolean {
	for (let i = refs.size() - 1; i >= 0; i--) {
		const r = refs[i];
		if (r.stream !== ref.stream) continue;
		if (ref.seq > lastSeq(r) + MAX_REF_GAP + 1 || lastSeq(ref) < r.seq - MAX_REF_GAP - 1) continue;
		const seq = math.min(r.seq, ref.seq);
		const last = math.max(lastSeq(r), lastSeq(ref));
		const from = math.min(r.from, ref.from);
		const to = math.max(r.to, ref.to);
		if (seq === r.seq && last === lastSeq(r) && from === r.from && to === r.to) return false;
		refs[i] = { stream: r.stream, seq, last: last > seq ? last : undefined, from, to };
		return true;
	}
	refs.push(ref);
	return true;
}

interface Pending {
	readonly refs: Array<PlayerIndexRef>;
	/** When its oldest unwritten ref was added (the logger's clock). */
	since: number;
}

/**
 * The index refs a logger has not written yet, by player. A player's refs are written once they are
 * `indexInterval` old (one UpdateAsync covering every batch since), not at every flush: that write, not the
 * batch, was the trail's cost. Refs stay here until their write is confirmed, so the stream's watermark
 * (see {@link PendingIndex.lowestSeq}) never claims a batch whose refs are in flight.
 */
export class PendingIndex {
	private readonly byPlayer = new Map<number, Pending>();

	/** Adds a ref to `batch` for every player its entries name (time span of their entries in it). */
	add(batch: AuditBatch, now: number): void {
		const spans = new Map<number, PlayerIndexRef>();
		for (const entry of batch.entries) {
			for (const player of entry.players) {
				const span = spans.get(player);
				spans.set(player, {
					stream: batch.stream,
					seq: batch.seq,
					from: span === undefined ? entry.time : math.min(span.from, entry.time),
					to: span === undefined ? entry.time : math.max(span.to, entry.time),
				});
			}
		}
		for (const [player, ref] of spans) {
			const pending = this.byPlayer.get(player);
			if (pending === undefined) this.byPlayer.set(player, { refs: [ref], since: now });
			else mergeRef(pending.refs, ref);
		}
	}

	/** The players whose refs are due (all of them when `force`), each with a copy of its refs. */
	due(now: number, interval: number, force: boolean): Array<{ player: number; refs: Array<PlayerIndexRef> }> {
		const out = new Array<{ player: number; refs: Array<PlayerIndexRef> }>();
		for (const [player, pending] of this.byPlayer) {
			if (force || now - pending.since >= interval) out.push({ player, refs: [...pending.refs] });
		}
		return out;
	}

	/** Forgets the refs a confirmed write stored (a ref merged further since is kept, for the next write). */
	confirm(player: number, written: ReadonlyArray<PlayerIndexRef>, now: number): void {
		const pending = this.byPlayer.get(player);
		if (pending === undefined) return;
		const left = pending.refs.filter((r) => !written.includes(r));
		if (left.size() === 0) this.byPlayer.delete(player);
		else this.byPlayer.set(player, { refs: left, since: now });
	}

	/** A player's unwritten refs (a query on this server adds them to the stored index). */
	forPlayer(player: number): ReadonlyArray<PlayerIndexRef> {
		return this.byPlayer.get(player)?.refs ?? [];
	}

	/** Forgets a player's refs (erased: they must not recreate the index key). */
	drop(player: number): void {
		this.byPlayer.delete(player);
	}

	/** The lowest seq of `stream` an unwritten ref names: every batch below it is in every index it belongs to. */
	lowestSeq(stream: string): number | undefined {
		let low: number | undefined;
		for (const [, pending] of this.byPlayer) {
			for (const ref of pending.refs) if (ref.stream === stream) low = math.min(low ?? ref.seq, ref.seq);
		}
		return low;
	}

	/** When the next player's refs fall due, if any are unwritten. */
	nextDue(interval: number): number | undefined {
		let soonest: number | undefined;
		for (const [, pending] of this.byPlayer) soonest = math.min(soonest ?? math.huge, pending.since + interval);
		return soonest;
	}

	/** True when nothing is unwritten. */
	isEmpty(): boolean {
		return this.byPlayer.size() === 0;
	}
}
