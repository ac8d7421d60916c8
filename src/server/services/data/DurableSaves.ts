import { serviceError } from "./DataServiceError";
import type { ServiceStatistics } from "./DataServiceTypes";
import type { Session } from "./Session";

const SEQ_TAG = "DataService.seq";

/**
 * Knows when a change reached the DataStore. Each change that must be saved gets a save mark, a meta tag
 * `<session token>:<n>` that the session lock writes with the data; once `MetaTagsLatest` shows a mark of
 * this session at least `n`, every change marked up to `n` is saved. Marks of another session (a later
 * load of the same profile elsewhere) never confirm ours.
 *
 * @example
 * ```ts
 * const mark = saves.mark(session);
 * saves.waitSaved(session, mark); // yields; throws SaveFailed
 * ```
 */
export class DurableSaves {
	/** Called with a session whenever one of its save marks is seen saved (the sync's `saved` message). */
	onSaved?: (session: Session) => void;
	private readonly lastSeen = new Map<Session, number>();

	constructor(
		private readonly timeout: number,
		private readonly stats: ServiceStatistics,
	) {}

	/** Marks the session's current data for a save and returns the mark. */
	mark(session: Session): number {
		session.saveSeq += 1;
		session.profile.SetMetaTag(SEQ_TAG, `${session.token}:${session.saveSeq}`);
		return session.saveSeq;
	}

	/** The newest of this session's save marks that reached the DataStore (another session's marks count 0). */
	savedMark(session: Session): number {
		const latest = session.profile.MetaData.MetaTagsLatest as unknown as Record<string, unknown> | undefined;
		const value = latest?.[SEQ_TAG];
		if (!typeIs(value, "string")) return 0;
		const [token, seq] = value.match("^(.*):(%d+)$");
		return token === session.token ? (tonumber(seq) ?? 0) : 0;
	}

	/**
	 * Calls {@link onSaved} when the session's saved mark moved since last asked (ProfileService's
	 * `ListenToSave` hook of the session calls this after each save).
	 */
	noteSave(session: Session): void {
		const mark = this.savedMark(session);
		if (mark > (this.lastSeen.get(session) ?? 0)) {
			this.lastSeen.set(session, mark);
			this.onSaved?.(session);
		}
	}

	/** Forgets a released session. */
	forget(session: Session): void {
		this.lastSeen.delete(session);
	}

	/** Yields until the profile's save carrying `mark` reached the DataStore; throws `SaveFailed`. */
	waitSaved(session: Session, mark: number): void {
		const started = os.clock();
		let lastSave = -math.huge;
		while (this.savedMark(session) < mark) {
			if (!session.profile.IsActive() && this.savedMark(session) < mark) {
				this.stats.durableFailures += 1;
				throw serviceError("SaveFailed", `player ${session.userId}: the profile was released before the save`);
			}
			if (os.clock() - started > this.timeout) {
				this.stats.durableFailures += 1;
				throw serviceError(
					"SaveFailed",
					`player ${session.userId}: save not confirmed within ${this.timeout} s`,
				);
			}
			if (os.clock() - lastSave >= 1) {
				// Save() is ignored while a save is queued: ask again until one carrying the mark has started.
				session.profile.Save();
				lastSave = os.clock();
			}
			task.wait(0.1);
		}
		session.unsaved = 0;
		this.stats.durableSaves += 1;
	}
}
