import { canonicalJson } from "shared/core/dal/Canonical";
import { deepCopy } from "shared/protocol/deepCopy";

/** One acknowledged state of a player and when the game acknowledged it. */
export interface LedgerState {
	readonly time: number;
	readonly what: string;
	readonly data: object;
}

/**
 * Every state each player's data was acknowledged in, with its time, for restore drills: a restore to time T
 * must give the state the ledger holds at the backup's time, and that state must have lasted until at
 * least T minus the documented resolution. (Ledger.ts keeps operations and their effects; this keeps whole
 * states, which is what a restore brings back.)
 * @example
 * ```ts
 * const ledger = new StateLedger();
 * ledger.record(1, 100, "start", { coins: 5 });
 * ledger.stateAt(1, 150); // { coins: 5 }
 * ```
 */
export class StateLedger {
	private readonly states = new Map<number, Array<LedgerState>>();

	/** Records that `playerId`'s data is `data` from `time` on (times recorded in order per player). */
	record(playerId: number, time: number, what: string, data: object): void {
		const list = this.states.get(playerId) ?? [];
		const last = list[list.size() - 1];
		if (last !== undefined && last.time > time) {
			error(`ledger of ${playerId}: state at ${time} recorded after one at ${last.time}`, 2);
		}
		list.push({ time, what, data: deepCopy(data) });
		this.states.set(playerId, list);
	}

	/** The state acknowledged last at or before `time`, or undefined before the first. */
	stateAt(playerId: number, time: number): LedgerState | undefined {
		let found: LedgerState | undefined;
		for (const state of this.states.get(playerId) ?? []) {
			if (state.time > time) break;
			found = state;
		}
		return found;
	}

	/** When the state held at `time` was replaced by a different one (undefined: it still holds). */
	changedAfter(playerId: number, time: number): number | undefined {
		const held = this.stateAt(playerId, time);
		if (held === undefined) return undefined;
		const json = canonicalJson(held.data);
		for (const state of this.states.get(playerId) ?? []) {
			if (state.time > time && canonicalJson(state.data) !== json) return state.time;
		}
		return undefined;
	}

	/** A readable history of one player, for a failure message. */
	dump(playerId: number): string {
		return (this.states.get(playerId) ?? [])
			.map((s) => `  t=${s.time} ${s.what}: ${canonicalJson(s.data)}`)
			.join("\n");
	}
}
