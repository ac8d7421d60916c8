/** The MemoryStoreService method the presence uses. */
export interface MemoryStoreServiceLike {
	GetHashMap(name: string): MemoryStoreHashMapLike;
}

/** The hash map methods the presence and the release marks use. */
export interface MemoryStoreHashMapLike {
	GetAsync(key: string): unknown;
	SetAsync(key: string, value: unknown, expiration: number): boolean;
	UpdateAsync(key: string, transform: (old: unknown) => unknown, expiration: number): unknown;
}

/** Seconds between heartbeats (30 MemoryStore writes a minute per server, whatever its players). */
export const PRESENCE_INTERVAL = 2;
/**
 * Seconds a heartbeat lives: a server silent this long (three missed beats) is dead. A crashed holder's lock
 * is taken 4-6 s after the crash, plus a lock read's back-off (at most 1 s): the 10 s takeover goal.
 */
export const PRESENCE_TTL = 6;

/**
 * Which game servers are alive: each server writes a heartbeat under its JobId into a MemoryStore hash
 * map every {@link PRESENCE_INTERVAL} seconds, expiring after {@link PRESENCE_TTL}. A session lock held by
 * a server whose heartbeat is gone belongs to a dead server and may be stolen at once; a lock held by a
 * live server that does not answer release requests (lost messages) must only be force-loaded, which
 * waits for that server to save and release at its next auto-save, so two servers never hold one profile.
 */
export class ServerPresence {
	private running = true;

	constructor(
		private readonly map: MemoryStoreHashMapLike,
		private readonly jobId: string,
	) {
		task.spawn(() => {
			while (this.running) {
				this.beat();
				task.wait(PRESENCE_INTERVAL);
			}
		});
	}

	/**
	 * True when `jobId` sent a heartbeat within the TTL, false when it did not, undefined when the
	 * MemoryStore could not be read (then nothing may be assumed dead).
	 * @example
	 * ```ts
	 * if (presence.isAlive(holderJobId) === false) return "Steal";
	 * ```
	 */
	isAlive(jobId: string): boolean | undefined {
		if (jobId === "" || jobId === this.jobId) return jobId === this.jobId ? true : undefined;
		const [ok, value] = pcall(() => this.map.GetAsync(jobId));
		if (!ok) return undefined;
		return value !== undefined;
	}

	/** Stops the heartbeat (the entry then expires by itself). */
	stop(): void {
		this.running = false;
	}

	private beat(): void {
		for (let attempt = 1; attempt <= 2; attempt++) {
			const [ok] = pcall(() => this.map.SetAsync(this.jobId, os.time(), PRESENCE_TTL));
			if (ok) return;
		}
	}
}
