import { dataError } from "./DataError";

/** The MemoryStoreHashMap methods locks need. */
export interface LeaseMap {
	UpdateAsync(key: string, transform: (value: unknown) => unknown, expiration: number): unknown;
	RemoveAsync(key: string): void;
}

/** A held lock. `token` is the fencing token: it only grows, so storage can refuse stale holders. */
export interface Lease {
	readonly name: string;
	readonly owner: string;
	readonly token: number;
	/** Local Unix seconds when the lease runs out unless renewed. */
	expiresAt: number;
	released: boolean;
}

/** Options of {@link LockManager}. Times are seconds. */
export interface LockOptions {
	/** How long a lease lasts without renewal (default 30). */
	readonly leaseTime: number;
	/** How long acquire waits before failing with LockTimeout (default 30, the original system's). */
	readonly acquireTimeout: number;
	/** A lease is treated as lost this long before it runs out, to absorb clock skew (default 2). */
	readonly safetyMargin: number;
}

export const DEFAULT_LOCK_OPTIONS: LockOptions = { leaseTime: 30, acquireTimeout: 30, safetyMargin: 2 };

interface StoredLease {
	o: string;
	k: number;
	e: number;
}

/**
 * Distributed locks as leases in a MemoryStore hash map. A lease is taken with UpdateAsync (atomic per
 * key), renewed in the background while held, and released on demand or when the server closes. Each
 * acquisition gets a fencing token greater than every earlier token of that lock, even after the stored
 * entry expired (tokens continue from the current time in milliseconds), so a holder whose lease ran out
 * while it was paused can be refused by storage.
 */
export class LockManager {
	private readonly held = new Set<Lease>();
	private counter = 0;

	constructor(
		private readonly map: LeaseMap,
		private readonly ownerPrefix: string,
		private readonly clock: () => number,
		private readonly random: Random,
		private readonly options: LockOptions = DEFAULT_LOCK_OPTIONS,
	) {}

	private tryTake(name: string, owner: string): StoredLease | undefined {
		const now = this.clock();
		let taken: StoredLease | undefined;
		this.map.UpdateAsync(
			name,
			(value) => {
				const current = value as StoredLease | undefined;
				taken = undefined;
				if (current !== undefined && current.e > now && current.o !== owner) return undefined;
				const token = math.max((current?.k ?? 0) + 1, math.floor(now * 1000));
				taken = { o: owner, k: token, e: now + this.options.leaseTime };
				return taken;
			},
			this.options.leaseTime + 60,
		);
		return taken;
	}

	/**
	 * Acquires one lock, yielding up to `timeout` seconds; throws a LockTimeout DataError. With `renew`
	 * false the lease is not kept alive: it runs out after the lease time unless the holder releases it.
	 */
	acquire(name: string, timeout = this.options.acquireTimeout, renew = true): Lease {
		this.counter += 1;
		const owner = `${this.ownerPrefix}:${this.counter}`;
		const started = this.clock();
		let wait = 0.1;
		for (;;) {
			const [ok, stored] = pcall(() => this.tryTake(name, owner));
			if (ok && stored) {
				const lease: Lease = { name, owner, token: stored.k, expiresAt: stored.e, released: false };
				this.held.add(lease);
				if (renew) this.keepAlive(lease);
				return lease;
			}
			const remaining = timeout - (this.clock() - started);
			if (remaining <= 0) {
				throw dataError("LockTimeout", `could not acquire lock ${name} within ${timeout} s`);
			}
			// The last try happens at the deadline, so a lock freed just before it is still taken.
			task.wait(math.min(this.random.NextNumber(wait / 2, wait), remaining));
			wait = math.min(wait * 2, 2);
		}
	}

	/**
	 * Acquires several locks in a fixed (sorted) order, so two callers asking for overlapping sets never
	 * deadlock; on failure releases what it took and throws LockTimeout.
	 */
	acquireAll(names: ReadonlyArray<string>, timeout = this.options.acquireTimeout): Array<Lease> {
		const sorted = [...new Set(names)];
		table.sort(sorted);
		const started = this.clock();
		const leases = new Array<Lease>();
		for (const name of sorted) {
			const remaining = timeout - (this.clock() - started);
			const [ok, result] = pcall(() => this.acquire(name, math.max(remaining, 0)));
			if (!ok) {
				for (const lease of leases) this.release(lease);
				throw result;
			}
			leases.push(result as Lease);
		}
		return leases;
	}

	/** True while the lease is held and not within the safety margin of running out. */
	isValid(lease: Lease): boolean {
		return !lease.released && this.clock() < lease.expiresAt - this.options.safetyMargin;
	}

	private keepAlive(lease: Lease): void {
		task.spawn(() => {
			while (!lease.released) {
				task.wait(this.options.leaseTime / 3);
				if (lease.released) return;
				const now = this.clock();
				const [ok, renewed] = pcall(() => {
					let result: StoredLease | undefined;
					this.map.UpdateAsync(
						lease.name,
						(value) => {
							const current = value as StoredLease | undefined;
							result = undefined;
							if (current === undefined || current.o !== lease.owner || current.k !== lease.token)
								return undefined;
							result = { o: lease.owner, k: lease.token, e: now + this.options.leaseTime };
							return result;
						},
						this.options.leaseTime + 60,
					);
					return result;
				});
				if (ok && renewed) lease.expiresAt = renewed.e;
				else if (ok) return; // taken over: stop renewing; isValid turns false when it runs out
			}
		});
	}

	/** Releases a lease (only if this holder still has it). */
	release(lease: Lease): void {
		if (lease.released) return;
		lease.released = true;
		this.held.delete(lease);
		pcall(() =>
			this.map.UpdateAsync(
				lease.name,
				(value) => {
					const current = value as StoredLease | undefined;
					if (current === undefined || current.o !== lease.owner) return undefined;
					// Keep the token so the next holder's continues above it; free the lease now.
					return { o: "", k: current.k, e: 0 };
				},
				this.options.leaseTime + 60,
			),
		);
	}

	/** Releases every lease this manager holds (call from BindToClose). */
	releaseAll(): void {
		for (const lease of [...this.held]) this.release(lease);
	}
}
