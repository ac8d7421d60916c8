import type { ReleaseMarks } from "./ReleaseMarks";
import type { ReleaseMessaging } from "./ReleaseMessaging";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";

/**
 * Ends sessions: releases one player (PlayerRemoving, a release request, ReleasePlayer), players who left
 * in one frame together by worth, and every player at shutdown, most valuable unsaved changes first
 * (a shutdown removes every player before BindToClose runs).
 *
 * @example
 * ```ts
 * releases.closeAll(25);
 * ```
 */
export class ProfileReleases {
	/** Players who left this frame, released together at its end. */
	private readonly leaving = new Set<number>();
	shuttingDown = false;
	/** Where a finished release is announced to waiting loaders (set once the MemoryStore is known). */
	marks?: ReleaseMarks;

	constructor(
		private readonly ctx: ServiceContext,
		private readonly messaging: () => ReleaseMessaging,
	) {}

	/**
	 * Saves and releases a held player's profile under its lock (nothing when not held). Returns the profile
	 * whose release save is now under way (its `ListenToHopReady` fires once that save landed), undefined when
	 * the player was not held here.
	 */
	release(playerId: number): Session["profile"] | undefined {
		return this.ctx.locks.run(tostring(playerId), () => this.releaseNow(playerId));
	}

	/** Releases at once: the caller holds the player's lock, or the server is closing. */
	private releaseNow(playerId: number): Session["profile"] | undefined {
		const session = this.ctx.sessions.get(playerId);
		if (session === undefined) return undefined;
		this.ctx.sessions.forget(session);
		this.ctx.saves.forget(session);
		const releasing = this.messaging().releasing;
		releasing.add(playerId);
		const loadCount = session.profile.MetaData.SessionLoadCount;
		session.profile.ListenToHopReady(() => {
			if (!this.ctx.sessions.has(playerId)) releasing.delete(playerId);
			// Saved and released: a server waiting for this lock may take it now.
			const marks = this.marks;
			if (marks !== undefined) task.spawn(() => marks.mark(playerId, loadCount));
		});
		session.profile.Release();
		return session.profile;
	}

	/**
	 * Releases a player who left, at the end of the frame, together with everyone who left in that frame,
	 * the most valuable unsaved changes first.
	 */
	releaseLeaving(playerId: number): void {
		if (this.leaving.size() === 0) {
			task.defer(() => {
				const batch = new Array<Session>();
				for (const userId of this.leaving) {
					const session = this.ctx.sessions.get(userId);
					if (session !== undefined) batch.push(session);
				}
				this.leaving.clear();
				batch.sort((a, b) => a.unsaved > b.unsaved);
				for (const session of batch) task.spawn(() => this.release(session.userId));
			});
		}
		this.leaving.add(playerId);
	}

	/** Saves and releases every profile, most valuable first, waiting up to `limit` seconds. */
	closeAll(limit: number): void {
		this.shuttingDown = true;
		const started = os.clock();
		const order = this.ctx.sessions.all();
		order.sort((a, b) => a.unsaved > b.unsaved);
		let pending = order.size();
		for (const session of order) {
			session.profile.ListenToHopReady(() => {
				pending -= 1;
			});
			this.releaseNow(session.userId);
		}
		while (os.clock() - started < limit && pending > 0) task.wait(0.1);
	}
}
