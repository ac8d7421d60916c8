import { addTimedRecord } from "./addTimedRecord";
import type { MemoryStoreHashMapLike } from "./ServerPresence";

/** Seconds a release mark is kept: a handoff that waits longer reads the stored lock anyway. */
const MARK_TTL = 60;
/** Seconds between two reads of one holder's marks by this server, however many loads wait on it. */
const MARK_POLL = 0.1;

/** One holder's recent releases: player id -> [session load count, os.time() of the release]. */
type Marks = Record<string, [number, number]>;

/** This server's last read of one holder's marks. */
interface Seen {
	at: number;
	reading: boolean;
	marks?: Marks;
}

/**
 * Release marks in a MemoryStore hash map, one entry per server: a server that finished saving and releasing
 * a player's profile adds `player id -> session load count` to its entry (releases of the last minute). A
 * loader waiting for that holder reads the entry (a MemoryStore read takes tens of milliseconds), so it learns
 * of the release at once instead of at its next, backed-off read of the DataStore lock, and without waiting
 * for a MessagingService answer (1-2 s). All the loads of one server waiting on one holder share one read
 * every 0.1 s, so a whole server teleporting at once costs 10 reads a second, not 10 per player. A mark is
 * only a hint: the lock write decides who holds.
 *
 * @example
 * ```ts
 * marks.mark(playerId, profile.MetaData.SessionLoadCount); // after the release save
 * marks.released(playerId, holderJobId, loadCount); // true once that session has released
 * ```
 */
export class ReleaseMarks {
	private readonly seen = new Map<string, Seen>();

	constructor(
		private readonly map: MemoryStoreHashMapLike,
		private readonly jobId: string,
	) {}

	/** Records that this server released session `loadCount` of `playerId` (a failure only costs speed). */
	mark(playerId: number, loadCount: number): void {
		addTimedRecord(this.map, this.jobId, playerId, [loadCount, os.time()], MARK_TTL);
	}

	/**
	 * Whether `holder` marked session `loadCount` (or a later one) of `playerId` released; false when the mark
	 * is absent, older, or unreadable. Yields for a read at most once every 0.1 s per holder.
	 */
	released(playerId: number, holder: string, loadCount: number): boolean {
		let seen = this.seen.get(holder);
		if (seen === undefined) {
			this.forgetOld();
			seen = { at: -math.huge, reading: false };
			this.seen.set(holder, seen);
		}
		if (!seen.reading && os.clock() - seen.at >= MARK_POLL) {
			seen.reading = true;
			const [ok, value] = pcall(() => this.map.GetAsync(holder));
			seen.reading = false;
			seen.at = os.clock();
			seen.marks = ok && typeIs(value, "table") ? (value as Marks) : undefined;
		}
		const mark = seen.marks?.[tostring(playerId)];
		return typeIs(mark, "table") && typeIs(mark[0], "number") && mark[0] >= loadCount;
	}

	/** Drops the reads of holders nobody asked about for a while. */
	private forgetOld(): void {
		for (const [holder, seen] of this.seen) if (os.clock() - seen.at > MARK_TTL) this.seen.delete(holder);
	}
}
