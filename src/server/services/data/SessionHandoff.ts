import type { ReleaseMarks } from "./ReleaseMarks";
import type { ReleaseMessaging } from "./ReleaseMessaging";
import type { ReleaseRequests } from "./ReleaseRequests";
import type { ServerPresence } from "./ServerPresence";
import type { ServiceContext } from "./ServiceContext";

/** Seconds before the first read of a lock whose holder is not known yet. */
const FIRST_POLL = 0.25;
/**
 * Seconds before the first re-read of a lock the claim found held: the holder's release mark and heartbeat
 * (MemoryStore, read every 0.1 s and 0.5 s) end the wait; the DataStore read is the fallback when they fail.
 */
const FIRST_REREAD = 1;
/** The re-reads back off by this factor up to {@link MAX_POLL} seconds. */
const POLL_BACKOFF = 1.5;
const MAX_POLL = 4;
/** Seconds between reads of the holder's release mark (MemoryStore) while its lock is held. */
const MARK_POLL = 0.1;
/** Seconds between reads of the holder's heartbeat (MemoryStore) while its lock is held. */
const PRESENCE_POLL = 0.5;
/** Seconds a load that must not ask for a release waits for a live holder's release already under way. */
const NO_ASK_WAIT = 5;

/**
 * What to do about a profile's session lock: take it (`free`: nobody else holds it), take it from a crashed
 * holder (`steal`, naming the holder, whose heartbeat expired), or ForceLoad it (a live holder did not release
 * within `releaseTimeout`: it saves and releases at its next auto-save).
 */
export type HandoffOutcome =
	| { readonly kind: "free" }
	/** Only when asked not to request a release: a live holder kept the lock for `NO_ASK_WAIT` seconds. */
	| { readonly kind: "held" }
	| { readonly kind: "steal"; readonly holder: string }
	| { readonly kind: "forceload" };

/** Who holds a stored profile's session lock: the server's JobId and the session's load count. */
export interface LockHolder {
	readonly jobId: string;
	readonly loadCount: number;
}

/**
 * The holder of a stored profile's session lock, read from ProfileService's envelope
 * (`MetaData.ActiveSession = { placeId, jobId }`, `MetaData.SessionLoadCount`): undefined when nobody holds
 * it (or nothing is stored).
 *
 * @example
 * ```ts
 * lockHolder({ MetaData: { ActiveSession: [1, "job-a"], SessionLoadCount: 4 } }); // { jobId: "job-a", loadCount: 4 }
 * ```
 */
export function lockHolder(stored: unknown): LockHolder | undefined {
	if (!typeIs(stored, "table")) return undefined;
	const meta = (stored as { MetaData?: unknown }).MetaData;
	if (!typeIs(meta, "table")) return undefined;
	const { ActiveSession: session, SessionLoadCount: loadCount } = meta as {
		ActiveSession?: unknown;
		SessionLoadCount?: unknown;
	};
	if (!typeIs(session, "table")) return undefined;
	const jobId = (session as Array<unknown>)[1];
	if (!typeIs(jobId, "string")) return undefined;
	return { jobId, loadCount: typeIs(loadCount, "number") ? loadCount : 0 };
}

/**
 * Waits, while the store takes a player's session lock, until the lock can be taken. The claim itself reads
 * the lock (its UpdateAsync): only when it finds another server holding it does the wait begin, knowing the
 * holder. The holder is asked to release (up to `releaseRequests` times, `ackTimeout` apart) both through the
 * MemoryStore ({@link ReleaseRequests}, seen within the holder's poll) and by message (MessagingService
 * delivers "typically within 1-2 seconds", create.roblox.com/docs/reference/engine/classes/MessagingService).
 * While it holds, the wait reads the holder's release mark ({@link ReleaseMarks}, every 0.1 s) and heartbeat
 * ({@link ServerPresence}, every 0.5 s), both MemoryStore reads; the stored lock is re-read (an uncached
 * GetAsync, from 1 s backing off to 4 s) only as the fallback when those fail. A holder whose heartbeat expired
 * is a crashed server and its lock is taken over at once; a live holder is never stolen from: past
 * `releaseTimeout` it is force-loaded. What the wait sees is only a hint of when to try: the store's
 * UpdateAsync decides who holds.
 *
 * @example
 * ```ts
 * const outcome = handoff.wait(playerId, os.clock(), true, { jobId: holderJobId, loadCount }); // yields
 * ```
 */
export class SessionHandoff {
	constructor(
		private readonly ctx: ServiceContext,
		private readonly messaging: ReleaseMessaging,
		private readonly presence: ServerPresence,
		private readonly marks: ReleaseMarks,
		private readonly requests: ReleaseRequests,
		/** An uncached read of the player's stored profile (throws when the read fails). */
		private readonly readStored: (playerId: number) => unknown,
	) {}

	/**
	 * Yields until the lock of `playerId` is free or must be taken over. With `ask` false (an operator's
	 * offline act, which must never end a player's session) no release is requested and a live holder that
	 * keeps the lock `NO_ASK_WAIT` seconds gives `held` instead of a ForceLoad. `seen` is the holder the
	 * caller's claim just found (the lock is not read again before the first re-read).
	 */
	wait(playerId: number, startedAt: number, ask = true, seen?: LockHolder): HandoffOutcome {
		const ctx = this.ctx;
		const config = ctx.config;
		let requests = 0;
		let askedAt = -math.huge;
		let answered = false;
		let known = seen;
		let poll = known !== undefined ? FIRST_REREAD : FIRST_POLL;
		let readAt = known !== undefined ? os.clock() + poll : -math.huge;
		let aliveAt = -math.huge;
		for (;;) {
			if (os.clock() >= readAt) {
				const [ok, stored] = pcall(() => this.readStored(playerId));
				readAt = os.clock() + poll;
				poll = math.min(poll * POLL_BACKOFF, MAX_POLL);
				// A failed read tells nothing: keep the last holder seen, bounded by releaseTimeout like any wait.
				if (ok) {
					known = lockHolder(stored);
					// Ours: this server's own session (ProfileService resolves it), or nobody's.
					if (known === undefined || known.jobId === ctx.jobId) return { kind: "free" };
				}
			} else if (known !== undefined && this.marks.released(playerId, known.jobId, known.loadCount)) {
				return { kind: "free" };
			}
			if (known !== undefined) {
				const holder = known;
				// Counted in releaseRequestsAnswered as it arrives (ReleaseMessaging): the holder's release mark
				// often ends the wait before its answer, delivered in 1-2 s, is here.
				if (!answered && requests > 0 && this.messaging.answered(playerId)) answered = true;
				if (
					ask &&
					!answered &&
					requests < config.releaseRequests &&
					os.clock() - askedAt >= config.ackTimeout
				) {
					// Both ways at once: the MemoryStore request is seen within the holder's poll, the message
					// when it arrives, and the one that gets there first releases.
					this.messaging.requestRelease(playerId, requests === 0, holder.loadCount);
					task.spawn(() => this.requests.ask(holder.jobId, playerId, holder.loadCount));
					ctx.stats.releaseRequestsSent += 1;
					requests += 1;
					askedAt = os.clock();
				}
				// A holder that answered is alive; one whose heartbeat expired crashed (undefined: unknown).
				if (!answered && os.clock() - aliveAt >= PRESENCE_POLL) {
					aliveAt = os.clock();
					if (this.presence.isAlive(holder.jobId) === false) {
						ctx.stats.takeovers += 1;
						ctx.warn(`player ${playerId}: holder ${holder.jobId} is dead; taking its session over`);
						ctx.audit.security("sessionSteal", [playerId], { holder: holder.jobId });
						return { kind: "steal", holder: holder.jobId };
					}
				}
			}
			if (!ask && known !== undefined && os.clock() - startedAt > NO_ASK_WAIT) return { kind: "held" };
			if (os.clock() - startedAt > config.releaseTimeout) {
				// A live holder that did not release in time (or whose answers were lost): ForceLoad makes it
				// save and release at its next auto-save; never Steal from a live server (two holders).
				ctx.stats.takeovers += 1;
				ctx.audit.security("forceLoad", [playerId], { holder: known?.jobId ?? "unknown" });
				return { kind: "forceload" };
			}
			task.wait(known !== undefined ? MARK_POLL : math.max(readAt - os.clock(), 0));
		}
	}
}
