import { deepCopy } from "shared/protocol/deepCopy";
import { ApplyContext, ApplyResult, AuthorityListener, StateAuthority, VersionedValue } from "./StateAuthority";

/** Options for {@link MemoryStateAuthority}. */
export interface MemoryStateAuthorityOptions {
	/** Values a key starts with for every player (copied per player). */
	readonly defaults?: Record<string, unknown>;
}

/**
 * A {@link StateAuthority} that keeps versioned per-player state in memory: for ephemeral game state
 * (a lobby's ready flag, a loadout being edited) and for specs. Each write bumps the key's version.
 *
 * @example
 * ```ts
 * const authority = new MemoryStateAuthority({ defaults: { coins: 0 } });
 * authority.write(player, "coins", 50); // pushed to the player by a ServerStateSync built on it
 * ```
 */
export class MemoryStateAuthority implements StateAuthority {
	private readonly state = new Map<Player, Map<string, { value: unknown; version: number }>>();
	private readonly listeners = new Array<AuthorityListener>();
	private readonly defaults: Record<string, unknown>;
	private applied = 0;

	constructor(options: MemoryStateAuthorityOptions = {}) {
		this.defaults = options.defaults ?? {};
	}

	private entry(player: Player, key: string): { value: unknown; version: number } {
		let keys = this.state.get(player);
		if (keys === undefined) {
			keys = new Map();
			this.state.set(player, keys);
		}
		let entry = keys.get(key);
		if (entry === undefined) {
			entry = { value: deepCopy(this.defaults[key]), version: 0 };
			keys.set(key, entry);
		}
		return entry;
	}

	/** @returns a copy of the key's value for `player`, with its version */
	read(player: Player, key: string): VersionedValue {
		const entry = this.entry(player, key);
		return { value: deepCopy(entry.value), version: entry.version };
	}

	/** Applies a proposal the sync validated; refuses a stale base with `conflict` unless the key is `client_wins`. */
	apply(player: Player, key: string, value: unknown, context: ApplyContext): ApplyResult {
		const entry = this.entry(player, key);
		if (context.conflict !== "client_wins" && context.base !== entry.version) {
			return { ok: false, reason: "conflict", message: `base ${context.base} is not version ${entry.version}` };
		}
		entry.value = deepCopy(value);
		entry.version += 1;
		this.applied += 1;
		return { ok: true, version: entry.version };
	}

	/**
	 * A server-side write: sets the key, bumps its version and tells subscribers (so it is pushed).
	 *
	 * @returns the new version
	 */
	write(player: Player, key: string, value: unknown): number {
		const entry = this.entry(player, key);
		entry.value = deepCopy(value);
		entry.version += 1;
		for (const listener of [...this.listeners]) listener(player, key, entry.version);
		return entry.version;
	}

	/** @returns how many client proposals were applied, in all (specs count double applies with it) */
	appliedCount(): number {
		return this.applied;
	}

	/** Forgets a player's state (call when they leave). */
	forget(player: Player): void {
		this.state.delete(player);
	}

	subscribe(listener: AuthorityListener): () => void {
		this.listeners.push(listener);
		return () => {
			const index = this.listeners.indexOf(listener);
			if (index >= 0) this.listeners.remove(index);
		};
	}
}
