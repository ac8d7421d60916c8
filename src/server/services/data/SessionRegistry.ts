import type { CacheManager } from "shared/core/CacheManager";
import { deepCopy } from "shared/protocol/deepCopy";
import { serviceError } from "./DataServiceError";
import type { ServiceStatistics } from "./DataServiceTypes";
import type { Session } from "./Session";

/**
 * The profiles this server holds, one {@link Session} per player, and the cached copies of their data.
 * Knows nothing of how a session is loaded or released: {@link SessionLoader} and {@link ReleaseMessaging}
 * do that; this is where everyone looks a session up.
 *
 * @example
 * ```ts
 * const session = sessions.require(playerId); // throws NotLoaded when the profile is not held here
 * ```
 */
export class SessionRegistry {
	private readonly byUser = new Map<number, Session>();

	/**
	 * @param cache - caches a copy of each held player's data (when `caching` is on).
	 * @param caching - the config's `enableCaching`.
	 * @param stats - the service's counters (`lostSessions`).
	 */
	constructor(
		private readonly cache: CacheManager<object>,
		private readonly caching: boolean,
		private readonly stats: ServiceStatistics,
	) {}

	/** The session of `playerId`, if this server holds it. */
	get(playerId: number): Session | undefined {
		return this.byUser.get(playerId);
	}

	has(playerId: number): boolean {
		return this.byUser.has(playerId);
	}

	/** The active session of `playerId`; throws `NotLoaded` otherwise. */
	require(playerId: number): Session {
		const session = this.byUser.get(playerId);
		if (session === undefined || !session.profile.IsActive()) {
			throw serviceError("NotLoaded", `player ${playerId} is not loaded on this server`);
		}
		return session;
	}

	add(session: Session): void {
		this.byUser.set(session.userId, session);
		session.profile.ListenToRelease(() => this.forget(session));
	}

	/** Drops `session` (if it is still the player's) and its cached copy. */
	forget(session: Session): void {
		if (this.byUser.get(session.userId) !== session) return;
		this.byUser.delete(session.userId);
		this.cache.delete(tostring(session.userId));
	}

	/** Every held session. */
	all(): Array<Session> {
		const out = new Array<Session>();
		for (const [, session] of this.byUser) out.push(session);
		return out;
	}

	count(): number {
		let n = 0;
		for (const [_] of this.byUser) n += 1;
		return n;
	}

	/**
	 * Forgets a session whose profile another server took over (its inbox names another session): nothing
	 * more is done for it here, and ProfileService's release of it writes nothing.
	 */
	lose(session: Session): void {
		this.stats.lostSessions += 1;
		this.forget(session);
		if (session.profile.IsActive()) session.profile.Release();
	}

	/** The error an operation throws after {@link lose}. */
	lostError(playerId: number) {
		return serviceError("NotLoaded", `player ${playerId}: the profile was taken over by another server`);
	}

	/** A copy of the player's data: the cached one when caching is on, else the profile's. */
	read(session: Session): object {
		if (this.caching) {
			const cached = this.cache.get(tostring(session.userId));
			if (cached !== undefined) return deepCopy(cached);
		}
		return deepCopy(session.profile.Data.data);
	}

	/** Puts a copy of the session's current data in the cache (the pipeline's cache stage). */
	cacheData(session: Session): void {
		if (this.caching) this.cache.set(tostring(session.userId), deepCopy(session.profile.Data.data));
	}
}
