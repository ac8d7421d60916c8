import type { KeyRef } from "../dal/KeyRef";

/**
 * Where the trail lives, from one base store name (default "DataService.Audit"):
 * - `<base>`, key `<stream>/<seq>`: the batches;
 * - `<base>.Heads`, key `<stream>`: each stream's checkpoint, and key `streams`: the stream directory;
 * - `<base>.Players`, key `<UserId>`: each player's index (the batches holding their entries). Its name is
 *   the right-to-erasure template `<base>.Players` / `{UserId}`.
 */
export class AuditKeys {
	constructor(readonly base: string) {}

	batch(stream: string, seq: number): KeyRef {
		return { store: this.base, key: `${stream}/${seq}` };
	}

	head(stream: string): KeyRef {
		return { store: `${this.base}.Heads`, key: stream };
	}

	directory(): KeyRef {
		return { store: `${this.base}.Heads`, key: "streams" };
	}

	player(userId: number): KeyRef {
		return { store: `${this.base}.Players`, key: tostring(userId) };
	}
}

/**
 * Batches holding entries of a player, as their index lists them: `seq`, or `seq` to `last` (a run of the
 * player's batches, possibly with a few between that do not name them; see PendingIndex.mergeRef).
 */
export interface PlayerIndexRef {
	readonly stream: string;
	readonly seq: number;
	/** The last batch of the run (absent: just `seq`). */
	readonly last?: number;
	/** Time of the player's first and last entry in those batches. */
	readonly from: number;
	readonly to: number;
}

/** The document under a player's index key, oldest batch first. */
export interface PlayerIndex {
	readonly refs: Array<PlayerIndexRef>;
}

/** The stream directory: each stream id and when it started (Unix seconds). */
export type StreamDirectory = Record<string, number>;
