import { Players } from "@rbxts/services";
import type { MessagingServiceLike } from "./DataServiceTypes";
import type { ServiceContext } from "./ServiceContext";

/** A message on the service's topic: release request, its answer, or an inbox nudge. */
type Message = {
	t: "release" | "ack" | "inbox";
	u: number;
	j: string;
	/** A release request's session load count: a request for an earlier session of the player is stale. */
	c?: number;
};

/** An inbox nudge is acted on after this delay (the transaction that sent it settles first). */
const INBOX_NUDGE_WAIT = 0.25;

/**
 * The servers' conversation over MessagingService (one topic): a loader asks the holder of a profile to
 * release it (`release`), the holder answers (`ack`) and releases; a transfer tells the recipient's server
 * to read its inbox (`inbox`). Delivery is best effort, so nothing depends on a message arriving: a lost
 * release request ends in a takeover or ForceLoad, a lost nudge in the next claim.
 *
 * @example
 * ```ts
 * messaging.nudge(friendId); // this server or whichever holds friendId claims its inbox soon
 * ```
 */
export class ReleaseMessaging {
	/** Players whose release request was answered. */
	private readonly acks = new Set<number>();
	/** Profiles whose release save is still in flight: a release request for them is answered. */
	readonly releasing = new Set<number>();
	private connection?: RBXScriptConnection;

	/**
	 * @param release - releases a held player's profile (under its lock), for a release request.
	 */
	constructor(
		private readonly ctx: ServiceContext,
		private readonly messaging: MessagingServiceLike,
		private readonly release: (playerId: number) => void,
	) {}

	/** Subscribes to the topic (in its own thread: SubscribeAsync yields). */
	start(): void {
		task.spawn(() => {
			const [ok, connection] = pcall(() =>
				this.messaging.SubscribeAsync(this.ctx.config.topic, (message) => this.onMessage(message.Data)),
			);
			if (ok) this.connection = connection;
			else this.ctx.warn(`could not subscribe to ${this.ctx.config.topic}: ${tostring(connection)}`);
		});
	}

	stop(): void {
		this.connection?.Disconnect();
		this.connection = undefined;
	}

	/**
	 * Asks whoever holds `playerId` to release it. `first` forgets answers to an earlier load's requests; a
	 * repeated request keeps them (delivery takes 1-2 s each way: the answer to the first request may
	 * arrive while the second is out).
	 */
	requestRelease(playerId: number, first: boolean, loadCount?: number): void {
		if (first) this.acks.delete(playerId);
		this.publish({ t: "release", u: playerId, j: this.ctx.jobId, c: loadCount });
	}

	/** Whether the holder answered the last release request for `playerId`. */
	answered(playerId: number): boolean {
		return this.acks.has(playerId);
	}

	/** Tells the server holding `playerId` (this one or another) to read its inbox. */
	nudge(playerId: number): void {
		if (this.ctx.sessions.has(playerId)) task.spawn(() => this.ctx.rooms.claims.claimQuietly(playerId));
		else this.publish({ t: "inbox", u: playerId, j: this.ctx.jobId });
	}

	/**
	 * Answers a release request for `playerId` from server `asker`, however it came (this topic, or the
	 * MemoryStore's {@link ReleaseRequests}): a session held or loading here is released (the player kicked,
	 * their data is opened elsewhere) and the asker told; a release already under way is only told. A request
	 * naming an earlier session (`loadCount`) than the one held here is stale (it arrived after that session
	 * ended and the player came back): ignored.
	 */
	honour(playerId: number, asker: string, loadCount?: number): void {
		const ctx = this.ctx;
		if (asker === ctx.jobId) return;
		const current = ctx.sessions.loadCount(playerId);
		if (current !== undefined && loadCount !== undefined && current !== loadCount) return;
		if (!ctx.sessions.has(playerId)) {
			// Already leaving (a teleport): say so, so the asker waits for the release save instead of stealing.
			if (this.releasing.has(playerId)) this.publish({ t: "ack", u: playerId, j: asker });
			// Held by a load still running here: answered, released once the load ends. Ignored, the asker
			// would ForceLoad a holder that never heard of it.
			if (!ctx.sessions.isLoading(playerId)) return;
		}
		ctx.stats.releasesForOthers += 1;
		this.publish({ t: "ack", u: playerId, j: asker });
		task.spawn(() => {
			this.release(playerId);
			const player = Players.GetPlayerByUserId(playerId);
			if (player !== undefined) player.Kick("Your data was opened on another server.");
		});
	}

	private publish(message: Message): void {
		task.spawn(() => {
			const [ok, err] = pcall(() => this.messaging.PublishAsync(this.ctx.config.topic, message));
			if (!ok) this.ctx.warn(`publish ${message.t} for ${message.u} failed: ${tostring(err)}`);
		});
	}

	private onMessage(raw: unknown): void {
		if (!typeIs(raw, "table")) return;
		const message = raw as Partial<Message>;
		const userId = message.u;
		if (!typeIs(userId, "number") || !typeIs(message.j, "string")) return;
		const ctx = this.ctx;
		if (message.t === "release") {
			this.honour(userId, message.j, typeIs(message.c, "number") ? message.c : undefined);
		} else if (message.t === "ack") {
			if (message.j === ctx.jobId && !this.acks.has(userId)) {
				this.acks.add(userId);
				ctx.stats.releaseRequestsAnswered += 1;
			}
		} else if (message.t === "inbox") {
			if (ctx.sessions.has(userId)) task.delay(INBOX_NUDGE_WAIT, () => ctx.rooms.claims.claimQuietly(userId));
		}
	}
}
