import { addTimedRecord } from "./addTimedRecord";
import type { MemoryStoreHashMapLike } from "./ServerPresence";

/** Seconds a release request is kept: a loader still waiting after that has asked again or force-loaded. */
const REQUEST_TTL = 30;
/** The fastest poll: a request is seen within this many seconds (plus a MemoryStore read). */
const FASTEST_POLL = 0.5;
/**
 * MemoryStore request units a minute the poll may spend per session held here: a twelfth of the 120 a minute
 * each player adds to the experience's quota (1,000 + 120 x players,
 * create.roblox.com/docs/cloud-services/memory-stores). A server holding 12 or more sessions polls every
 * 0.5 s; one holding 3 every 2 s; one holding none does not poll at all.
 */
const UNITS_PER_SESSION_MINUTE = 10;

/** Requests to one holder: player id -> [the holder's session load count, asker's JobId, os.time()]. */
type Requests = Record<string, [number, string, number]>;

/** What the requests need of the server: how many sessions it holds. */
export interface RequestedSessions {
	/** Sessions held here now (the poll's pace). */
	count(): number;
	/** Called at each poll (the statistics count them). */
	polled(): void;
}

/**
 * Release requests through the MemoryStore: a loader that finds a player's lock held by a live server adds
 * `player id -> the holder's load count` to that server's entry in a hash map, and every server polls its own
 * entry while it holds sessions. MessagingService, which carries the same request, delivers "typically within
 * 1-2 seconds" (create.roblox.com/docs/reference/engine/classes/MessagingService): with the release save and
 * the loader's claim after it, a handoff from a holder that still holds the player took 3-5 s. Here the holder
 * sees the request within its poll (0.5 s with 12 sessions or more) plus a MemoryStore read (tens of
 * milliseconds). The load count names the session asked for, so a late request never ends a newer session
 * of the same player here. A request is only a hint, like the message: the lock write decides who holds.
 *
 * @example
 * ```ts
 * requests.ask(holderJobId, playerId, loadCount); // the loader, beside its message
 * ```
 */
export class ReleaseRequests {
	private running = true;
	/** Requests already acted on: "player:loadCount" -> os.time() of the request. */
	private readonly handled = new Map<string, number>();

	/**
	 * @param onRequest - called once per request for a session held here: releases it (the same handling as
	 *   a release message from `asker`).
	 */
	constructor(
		private readonly map: MemoryStoreHashMapLike,
		private readonly jobId: string,
		private readonly sessions: RequestedSessions,
		private readonly onRequest: (playerId: number, asker: string, loadCount: number) => void,
	) {
		task.spawn(() => {
			while (this.running) {
				const held = this.sessions.count();
				if (held === 0) {
					task.wait(1);
					continue;
				}
				// The pace counts from the start of each read, however long the read took.
				const began = os.clock();
				this.poll();
				const pace = math.max(FASTEST_POLL, 60 / (UNITS_PER_SESSION_MINUTE * held));
				task.wait(math.max(pace - (os.clock() - began), 0));
			}
		});
	}

	/** Asks `holder` to release session `loadCount` of `playerId` (yields; a failure only costs speed). */
	ask(holder: string, playerId: number, loadCount: number): void {
		addTimedRecord(this.map, holder, playerId, [loadCount, this.jobId, os.time()], REQUEST_TTL);
	}

	/** Stops polling (requests to this server then expire by themselves). */
	stop(): void {
		this.running = false;
	}

	private poll(): void {
		this.sessions.polled();
		const [ok, value] = pcall(() => this.map.GetAsync(this.jobId));
		if (!ok || !typeIs(value, "table")) return;
		const now = os.time();
		for (const [key, time] of this.handled) if (now - time > REQUEST_TTL) this.handled.delete(key);
		for (const [key, request] of pairs(value as Requests)) {
			const playerId = tonumber(key);
			if (playerId === undefined || !typeIs(request, "table")) continue;
			const [loadCount, asker, time] = request;
			if (!typeIs(loadCount, "number") || !typeIs(asker, "string") || !typeIs(time, "number")) continue;
			// Older than its TTL: the entry outlives its records while other askers keep writing to it (each
			// write renews the entry's expiry), and this one is no longer in `handled`.
			if (now - time > REQUEST_TTL) continue;
			const id = `${playerId}:${loadCount}`;
			// Handled once; whether it names the session held here (or a stale one) is honour's to decide.
			if (this.handled.has(id)) continue;
			this.handled.set(id, time);
			this.onRequest(playerId, asker, loadCount);
		}
	}
}
