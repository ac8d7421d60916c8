import { MessagingService } from "@rbxts/services";
import { deepFreeze } from "shared/protocol/deepFreeze";
import { CacheManager } from "shared/core/CacheManager";
import type { MessagingServiceLike } from "./DataServiceTypes";

/**
 * Why a view failed: `InvalidArgument` for a user id that is not a positive whole number, `ReadFailed` when
 * the injected reader threw (nothing is cached then).
 * @example
 * ```ts
 * views.get(id).catch((err: ProfileViewError) => warn(err.kind, err.message));
 * ```
 */
export interface ProfileViewError {
	readonly kind: "InvalidArgument" | "ReadFailed";
	readonly message: string;
}

/**
 * What a {@link ProfileViews} needs: how to read a player's stored profile, and where invalidations travel.
 * @example
 * ```ts
 * const options: ProfileViewsOptions<GameData> = {
 * 	read: (userId) => playerData.GetAsync(`Player_${userId}`, noCache)[0],
 * 	view: (stored) => (stored as { Data?: { data?: GameData } } | undefined)?.Data?.data,
 * };
 * ```
 */
export interface ProfileViewsOptions<V extends object> {
	/**
	 * Reads the stored value of a player's profile key; may yield, may throw. Each call is one DataStore
	 * request (DataService: GetAsync of `Player_<id>` in its profile store, with `DataStoreGetOptions.UseCache`
	 * false, or a read within 4 s of a save may return the engine's cached copy of the previous value).
	 */
	readonly read: (userId: number) => unknown;
	/** Turns the stored value into the view served (default: the stored value itself); undefined = no data. */
	readonly view?: (stored: unknown) => V | undefined;
	/** Carries invalidations between servers (default MessagingService). */
	readonly messaging?: MessagingServiceLike;
	/** The MessagingService topic (default "ProfileViews"). */
	readonly topic?: string;
	/**
	 * Seconds a view may be served from the cache (default 30): the bound on staleness when an invalidation
	 * message is lost, since MessagingService delivery is best effort.
	 */
	readonly ttl?: number;
	/** Where views are cached (default a CacheManager with the default levels). */
	readonly cache?: CacheManager<object>;
	/**
	 * Seconds during which invalidations are gathered into one message (default 1): MessagingService counts
	 * every delivery against a per-topic receive limit (40 + 80 x servers per minute), which one message per
	 * save would exceed with a few dozen players saving.
	 */
	readonly batchSeconds?: number;
	/** This server's id, so it ignores its own invalidations (default game.JobId). */
	readonly jobId?: string;
	/** Told about failed subscribe and publish calls (default: warn with the [ProfileViews] prefix). */
	readonly warn?: (message: string) => void;
}

/**
 * The counters of a {@link ProfileViews} since construction.
 * @example
 * ```ts
 * const { views, reads } = profileViews.getStats();
 * print(`${views - reads} DataStore reads saved`);
 * ```
 */
export interface ProfileViewStats {
	/** Calls of `get` with a valid user id. */
	readonly views: number;
	/** Views served from the cache. */
	readonly hits: number;
	/** Views that joined a read already in flight for the same player. */
	readonly joined: number;
	/** Calls of the reader: the DataStore requests made. */
	readonly reads: number;
	/** Requests saved: views that made no read (`views - reads`). */
	readonly saved: number;
	/** Reads that threw. */
	readonly readFailures: number;
	/** Players invalidated by this server, and players invalidated by others as heard here. */
	readonly invalidationsSent: number;
	readonly invalidationsReceived: number;
	/** Messages published (each carries the players invalidated during `batchSeconds`). */
	readonly messagesSent: number;
	/** Publish calls that failed: those changes reach other servers only through the TTL. */
	readonly publishFailures: number;
}

/** A read in flight; marked stale when the player's data changes meanwhile, so its result is not cached. */
interface PendingRead<V> {
	promise?: Promise<V | undefined>;
	stale: boolean;
}

/**
 * Players per message: a message is at most 1 kB of JSON, and a UserId takes up to 12 characters with its
 * comma, beside the JobId.
 */
const IDS_PER_MESSAGE = 60;

/** The view of a player without data, as cached (the cache holds no nil). */
const ABSENT = table.freeze({});

/**
 * Read-only views of players this server does not hold (another player's profile opened for viewing, an
 * offline admin view), cached where a view would otherwise cost a DataStore request.
 *
 * - A view read from the DataStore is cached for `ttl` seconds under the tag `player:<id>`, deeply frozen
 *   (every caller shares it); concurrent views of one player share one read.
 * - `invalidate(userId)` drops this server's view and, gathered with the others of the next `batchSeconds`,
 *   publishes the user id on `topic`; every other server subscribed drops its view too. A message lost on
 *   the way is bounded by the TTL; a read in flight when the data changes returns its value to its callers
 *   but is not cached.
 * - A player this server holds should be served from its loaded profile, not from here.
 *
 * Wiring into DataService (the facade's `ViewPlayerData(playerId)`):
 * ```ts
 * const noCache = new Instance("DataStoreGetOptions");
 * noCache.UseCache = false;
 * const playerData = DataStoreService.GetDataStore(config.profileStoreName); // "PlayerData"
 * this.views = new ProfileViews<GameData>({
 * 	read: (userId) => playerData.GetAsync(`Player_${userId}`, noCache)[0],
 * 	view: (stored) => (stored as { Data?: { data?: GameData } } | undefined)?.Data?.data,
 * 	messaging: this.messaging,
 * });
 * // ViewPlayerData(playerId): a held profile answers from memory, any other player from the views.
 * ViewPlayerData(playerId: number) {
 * 	const session = this.sessions.get(playerId);
 * 	return session ? Promise.resolve(deepCopy(session.profile.Data.data)) : this.views.get(playerId);
 * }
 * // After every save of a profile (ProfileService's save, a transfer commit): this.views.invalidate(userId);
 * // On destroy: this.views.destroy();
 * ```
 *
 * @example
 * ```ts
 * const views = new ProfileViews<GameData>({ read: (id) => store.GetAsync(`Player_${id}`, noCache)[0] });
 * const other = await views.get(friendId); // frozen; undefined if the player has no data
 * views.invalidate(friendId); // after saving friendId's profile here
 * ```
 */
export class ProfileViews<V extends object> {
	private readonly read: (userId: number) => unknown;
	private readonly view: (stored: unknown) => V | undefined;
	private readonly messaging: MessagingServiceLike;
	private readonly topic: string;
	private readonly ttl: number;
	private readonly batchSeconds: number;
	/** Players invalidated here since the last message, to publish together. */
	private outgoing = new Set<number>();
	private flushScheduled = false;
	private readonly cache: CacheManager<object>;
	private readonly jobId: string;
	private readonly warn: (message: string) => void;
	private readonly pending = new Map<number, PendingRead<V>>();
	private connection?: RBXScriptConnection;
	private destroyed = false;
	private views = 0;
	private hits = 0;
	private joined = 0;
	private reads = 0;
	private readFailures = 0;
	private invalidationsSent = 0;
	private invalidationsReceived = 0;
	private messagesSent = 0;
	private publishFailures = 0;

	/**
	 * Subscribes to `topic` (in a new thread: SubscribeAsync yields).
	 * @param options the reader and, optionally, the view, messaging, topic, ttl, cache, job id and warn
	 * @throws a plain error when `read` is not a function or `ttl` is not a positive number
	 */
	constructor(options: ProfileViewsOptions<V>) {
		if (!typeIs(options, "table")) error(`[ProfileViews] options must be a table, got ${typeOf(options)}`, 2);
		if (!typeIs(options.read, "function")) {
			error(`[ProfileViews] options.read must be a function, got ${typeOf(options.read)}`, 2);
		}
		const ttl = options.ttl ?? 30;
		if (!typeIs(ttl, "number") || ttl <= 0 || ttl !== ttl) {
			error(`[ProfileViews] options.ttl must be a positive number of seconds, got ${tostring(ttl)}`, 2);
		}
		this.read = options.read;
		this.view = options.view ?? ((stored) => stored as V | undefined);
		this.messaging = options.messaging ?? (MessagingService as unknown as MessagingServiceLike);
		this.topic = options.topic ?? "ProfileViews";
		this.ttl = ttl;
		const batchSeconds = options.batchSeconds ?? 1;
		if (!typeIs(batchSeconds, "number") || batchSeconds < 0 || batchSeconds !== batchSeconds) {
			error(`[ProfileViews] options.batchSeconds must be a number of seconds, got ${tostring(batchSeconds)}`, 2);
		}
		this.batchSeconds = batchSeconds;
		this.cache = options.cache ?? new CacheManager<object>();
		this.jobId = options.jobId ?? game.JobId;
		this.warn = options.warn ?? ((message) => warn(`[ProfileViews] ${message}`));
		task.spawn(() => {
			const [ok, result] = pcall(() =>
				this.messaging.SubscribeAsync(this.topic, (message) => this.onMessage(message.Data)),
			);
			if (!ok) this.warn(`could not subscribe to ${this.topic}: ${tostring(result)}`);
			else if (this.destroyed) result.Disconnect();
			else this.connection = result;
		});
	}

	/**
	 * The view of player `userId`: from the cache when it holds one, else read once (views of the same
	 * player made meanwhile wait for that read) and cached for `ttl` seconds.
	 * @param userId the player's UserId
	 * @returns a Promise of the frozen view, or undefined when the player has no data; rejects with a
	 * {@link ProfileViewError} (`InvalidArgument`, `ReadFailed`)
	 * @example
	 * ```ts
	 * views.get(friendId).then((data) => print(data?.coins));
	 * ```
	 */
	get(userId: number): Promise<V | undefined> {
		if (!typeIs(userId, "number") || userId % 1 !== 0 || userId <= 0) {
			const failure: ProfileViewError = {
				kind: "InvalidArgument",
				message: `userId must be a positive whole number, got ${typeOf(userId)} ${tostring(userId)}`,
			};
			return Promise.reject(failure) as Promise<V | undefined>;
		}
		this.views += 1;
		const cached = this.cache.get(`view:${userId}`);
		if (cached !== undefined) {
			this.hits += 1;
			if (cached === ABSENT) return Promise.resolve(undefined);
			// A view decoded from a compressed level is a fresh table: frozen like the one first cached.
			deepFreeze(cached);
			return Promise.resolve(cached as V);
		}
		const inFlight = this.pending.get(userId);
		if (inFlight?.promise !== undefined) {
			this.joined += 1;
			return inFlight.promise;
		}
		const record: PendingRead<V> = { stale: false };
		this.reads += 1;
		const promise: Promise<V | undefined> = Promise.try(() => this.read(userId)).then(
			(stored) => {
				this.settle(userId, record);
				const value = this.view(stored);
				deepFreeze(value);
				if (!record.stale) {
					this.cache.set(`view:${userId}`, value ?? ABSENT, { tags: [`player:${userId}`], ttl: this.ttl });
				}
				return value;
			},
			(err) => {
				this.settle(userId, record);
				this.readFailures += 1;
				const failure: ProfileViewError = {
					kind: "ReadFailed",
					message: `reading the profile of player ${userId} failed: ${tostring(err)}`,
				};
				return Promise.reject(failure) as Promise<V | undefined>;
			},
		);
		// A reader that does not yield has settled already; otherwise later views join this read.
		if (promise.getStatus() === Promise.Status.Started) {
			record.promise = promise;
			this.pending.set(userId, record);
		}
		return promise;
	}

	/**
	 * Drops the view of `userId` here at once, and on every server subscribed with the next message (within
	 * `batchSeconds`): call it after each save of that player's profile (and after any write to the key).
	 * @param userId the player whose data changed
	 * @example
	 * ```ts
	 * profile.Save(); views.invalidate(userId);
	 * ```
	 */
	invalidate(userId: number) {
		this.drop(userId);
		this.invalidationsSent += 1;
		this.outgoing.add(userId);
		if (this.flushScheduled) return;
		this.flushScheduled = true;
		task.delay(this.batchSeconds, () => this.flush());
	}

	/**
	 * The counters since construction.
	 * @example
	 * ```ts
	 * print(views.getStats().saved);
	 * ```
	 */
	getStats(): ProfileViewStats {
		return {
			views: this.views,
			hits: this.hits,
			joined: this.joined,
			reads: this.reads,
			saved: this.views - this.reads,
			readFailures: this.readFailures,
			invalidationsSent: this.invalidationsSent,
			invalidationsReceived: this.invalidationsReceived,
			messagesSent: this.messagesSent,
			publishFailures: this.publishFailures,
		};
	}

	/**
	 * Stops listening for invalidations (cached views then live until their TTL).
	 * @example
	 * ```ts
	 * game.BindToClose(() => views.destroy());
	 * ```
	 */
	destroy() {
		if (this.outgoing.size() > 0) task.spawn(() => this.flush());
		this.destroyed = true;
		this.connection?.Disconnect();
		this.connection = undefined;
	}

	/** Forgets the cached view of `userId` and makes a read in flight for it uncacheable. */
	private drop(userId: number) {
		this.cache.invalidateTag(`player:${userId}`);
		const inFlight = this.pending.get(userId);
		if (inFlight !== undefined) {
			inFlight.stale = true;
			this.pending.delete(userId);
		}
	}

	private settle(userId: number, record: PendingRead<V>) {
		if (this.pending.get(userId) === record) this.pending.delete(userId);
	}

	/** Publishes the players invalidated since the last message, IDS_PER_MESSAGE per message. */
	private flush() {
		this.flushScheduled = false;
		const ids = new Array<number>();
		for (const id of this.outgoing) ids.push(id);
		this.outgoing = new Set();
		for (let first = 0; first < ids.size(); first += IDS_PER_MESSAGE) {
			const chunk = new Array<number>();
			for (let i = first; i < math.min(ids.size(), first + IDS_PER_MESSAGE); i++) chunk.push(ids[i]);
			this.messagesSent += 1;
			const [ok, err] = pcall(() => this.messaging.PublishAsync(this.topic, { u: chunk, j: this.jobId }));
			if (!ok) {
				this.publishFailures += 1;
				this.warn(
					`publishing ${chunk.size()} changes failed (other servers see them within the TTL): ${tostring(err)}`,
				);
			}
		}
	}

	private onMessage(data: unknown) {
		if (!typeIs(data, "table")) return;
		const message = data as { u?: unknown; j?: unknown };
		if (!typeIs(message.u, "table") || message.j === this.jobId) return;
		for (const id of message.u as Array<unknown>) {
			if (typeIs(id, "number")) {
				this.invalidationsReceived += 1;
				this.drop(id);
			}
		}
	}
}
