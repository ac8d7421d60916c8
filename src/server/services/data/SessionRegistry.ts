import { deepCopy } from "shared/protocol/deepCopy";
import { deepFreeze } from "shared/protocol/deepFreeze";
import { serviceError } from "./DataServiceError";
import type { ServiceStatistics } from "./DataServiceTypes";
import type { Session } from "./Session";

/**
 * The profiles this server holds, one {@link Session} per player, and the read-only views of their data.
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
	 * Players whose lock this server took while their load still runs (before their session exists), with the
	 * load count the lock was taken with.
	 */
	private readonly loads = new Map<number, number>();

	/** @param stats - the service's counters (`lostSessions`). */
	constructor(private readonly stats: ServiceStatistics) {}

	/** The session of `playerId`, if this server holds it. */
	get(playerId: number): Session | undefined {
		return this.byUser.get(playerId);
	}

	has(playerId: number): boolean {
		return this.byUser.has(playerId);
	}

	/**
	 * Marks a load of `playerId` holding its lock, taken with session load count `loadCount`, or (undefined)
	 * ended: see {@link isLoading}.
	 */
	setLoading(playerId: number, loadCount: number | undefined): void {
		if (loadCount !== undefined) this.loads.set(playerId, loadCount);
		else this.loads.delete(playerId);
	}

	/** The session load count of the player's session held or being loaded here, undefined when neither. */
	loadCount(playerId: number): number | undefined {
		return this.byUser.get(playerId)?.profile.MetaData.SessionLoadCount ?? this.loads.get(playerId);
	}

	/**
	 * True while a load of `playerId` holds its lock here but has not registered the session yet: a release
	 * request arriving then is answered, and the release follows the load.
	 */
	isLoading(playerId: number): boolean {
		return this.loads.has(playerId);
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

	/** Drops `session` (if it is still the player's). */
	forget(session: Session): void {
		if (this.byUser.get(session.userId) !== session) return;
		this.byUser.delete(session.userId);
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

	/** A copy of the player's data, the caller's to change. */
	read(session: Session): object {
		return deepCopy(session.profile.Data.data);
	}

	/**
	 * The player's data, frozen: the same table for every read until the next write, so a read-only view
	 * of a held player costs no copy. (The profile is already in memory: a copy of it in a cache would save
	 * no request, so held players are not cached; the cache is for players this server does not hold.)
	 */
	view(session: Session): object {
		let view = session.view;
		if (view === undefined) {
			view = deepFreeze(deepCopy(session.profile.Data.data));
			session.view = view;
		}
		return view;
	}

	/** The write path's cache stage: the session's data changed, so its frozen view is stale. */
	refreshView(session: Session): void {
		session.view = undefined;
	}
}
