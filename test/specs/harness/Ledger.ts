/**
 * A ledger of a game's operations on player holdings (coins and swords), for chaos specs that must check
 * every player exactly rather than totals. Each operation has one effect ("it happened") and ends up
 * `happened`, `nothing` (certainly did nothing) or `uncertain` (its server crashed mid-flight, it reported a
 * failure that may have come after its commit point, an offer still pending). {@link Ledger.check} then
 * looks for one assignment of the uncertain operations (each happened or not, all sides of it together)
 * under which every player's final holdings equal start + certain effects + chosen effects.
 */

/** What a player holds (or an operation moves). */
export interface Holdings {
	coins: number;
	swords: number;
}

/** How an operation ended, as far as the game can know. */
export type Certainty = "inFlight" | "happened" | "nothing" | "uncertain";

/** One operation of the ledger. */
export interface LedgerEntry {
	readonly index: number;
	/** Virtual seconds from the ledger's opening when it started. */
	readonly time: number;
	readonly what: string;
	/** What it does to each player involved when it happens. */
	readonly effect: ReadonlyMap<number, Holdings>;
	certainty: Certainty;
	/** How it ended, for the dump ("resolved", "rejected NotLoaded: ...", "in flight when server 3 crashed"). */
	outcome: string;
}

/** Search nodes the solver visits before giving up (reported as a failure: the ledger is not explained). */
const SEARCH_LIMIT = 200000;

function shown(h: Holdings): string {
	return `${h.coins}c/${h.swords}s`;
}

function signed(h: Holdings): string {
	return `${string.format("%+d", h.coins)}c/${string.format("%+d", h.swords)}s`;
}

function effectText(effect: ReadonlyMap<number, Holdings>): string {
	const parts = new Array<string>();
	for (const [player, h] of effect) parts.push(`${player} ${signed(h)}`);
	parts.sort();
	return parts.join(", ");
}

/** Sums of the effects of `entries` per player (players absent from every effect are absent). */
function sumEffects(entries: ReadonlyArray<LedgerEntry>): Map<number, Holdings> {
	const sums = new Map<number, Holdings>();
	for (const entry of entries) {
		for (const [player, h] of entry.effect) {
			const sum = sums.get(player) ?? { coins: 0, swords: 0 };
			sums.set(player, { coins: sum.coins + h.coins, swords: sum.swords + h.swords });
		}
	}
	return sums;
}

/**
 * Finds which of `options` (each an effect on players by index into the residual arrays) sum to exactly
 * `residual` for every player and both quantities. Depth-first over "happened or not", pruned per player:
 * at each depth, every player's remaining residual must lie between the smallest and largest sums the
 * remaining options can still make for that player.
 * @returns the chosen flags, `undefined` when no assignment exists, or "gaveUp" past the search limit.
 */
export function findAssignment(
	residual: ReadonlyArray<Holdings>,
	options: ReadonlyArray<ReadonlyArray<[number, Holdings]>>,
): Array<boolean> | undefined | "gaveUp" {
	const players = residual.size();
	const n = options.size();
	// bounds[i][p]: [minCoins, maxCoins, minSwords, maxSwords] the options i..n-1 can add for player p.
	const bounds = new Array<Array<[number, number, number, number]>>();
	for (let i = 0; i <= n; i++) {
		const row = new Array<[number, number, number, number]>();
		for (let p = 0; p < players; p++) row.push([0, 0, 0, 0]);
		bounds.push(row);
	}
	for (let i = n - 1; i >= 0; i--) {
		for (let p = 0; p < players; p++) {
			const [a, b, c, d] = bounds[i + 1][p];
			bounds[i][p] = [a, b, c, d];
		}
		for (const [p, h] of options[i]) {
			const b = bounds[i][p];
			if (h.coins < 0) b[0] += h.coins;
			else b[1] += h.coins;
			if (h.swords < 0) b[2] += h.swords;
			else b[3] += h.swords;
		}
	}
	const left = residual.map((h) => ({ coins: h.coins, swords: h.swords }));
	const chosen = new Array<boolean>();
	let visited = 0;
	const search = (i: number): boolean | "gaveUp" => {
		visited += 1;
		if (visited > SEARCH_LIMIT) return "gaveUp";
		for (let p = 0; p < players; p++) {
			const b = bounds[i][p];
			const r = left[p];
			if (r.coins < b[0] || r.coins > b[1] || r.swords < b[2] || r.swords > b[3]) return false;
		}
		if (i === n) return true;
		for (const take of [true, false]) {
			if (take)
				for (const [p, h] of options[i]) {
					left[p].coins -= h.coins;
					left[p].swords -= h.swords;
				}
			chosen[i] = take;
			const found = search(i + 1);
			if (take)
				for (const [p, h] of options[i]) {
					left[p].coins += h.coins;
					left[p].swords += h.swords;
				}
			if (found !== false) return found;
		}
		return false;
	};
	const found = search(0);
	if (found === "gaveUp") return "gaveUp";
	return found ? chosen : undefined;
}

/**
 * The operations of one chaos scenario, recorded as they start and judged as they end.
 * @example
 * ```ts
 * const ledger = new Ledger();
 * const entry = ledger.record("gift 1->2 5c", new Map([[1, { coins: -5, swords: 0 }], [2, { coins: 5, swords: 0 }]]));
 * ledger.settle(entry, "happened", "resolved");
 * const result = ledger.check(players, start, final);
 * if ("failure" in result) error(result.failure);
 * ```
 */
export class Ledger {
	readonly entries = new Array<LedgerEntry>();
	/** Virtual time when the ledger opened: entries show their time from it. */
	private readonly origin = os.clock();

	/** Records an operation that starts now (in flight until {@link settle}). */
	record(what: string, effect: ReadonlyMap<number, Holdings>): LedgerEntry {
		const entry: LedgerEntry = {
			index: this.entries.size() + 1,
			time: os.clock() - this.origin,
			what,
			effect,
			certainty: "inFlight",
			outcome: "in flight",
		};
		this.entries.push(entry);
		return entry;
	}

	/** Says how an operation ended. */
	settle(entry: LedgerEntry, certainty: Exclude<Certainty, "inFlight">, outcome: string): void {
		entry.certainty = certainty;
		entry.outcome = outcome;
	}

	/** How many operations ended each way. */
	counts(): Record<Certainty, number> {
		const counts: Record<Certainty, number> = { inFlight: 0, happened: 0, nothing: 0, uncertain: 0 };
		for (const entry of this.entries) counts[entry.certainty] += 1;
		return counts;
	}

	/**
	 * Checks the final holdings of every player against the ledger: there must be one assignment of the
	 * uncertain operations under which each player's holdings equal start + certain effects + chosen ones.
	 * @returns the uncertain operations the assignment says happened, or a readable dump of the whole ledger.
	 */
	check(
		players: ReadonlyArray<number>,
		start: ReadonlyMap<number, Holdings>,
		final: ReadonlyMap<number, Holdings>,
	): { readonly happened: Array<LedgerEntry> } | { readonly failure: string } {
		const open = this.entries.filter((e) => e.certainty === "inFlight");
		if (open.size() > 0) {
			return { failure: `operations never judged: ${open.map((e) => `#${e.index} ${e.what}`).join(", ")}` };
		}
		const certain = sumEffects(this.entries.filter((e) => e.certainty === "happened"));
		const uncertain = this.entries.filter((e) => e.certainty === "uncertain");
		const slot = new Map<number, number>();
		players.forEach((p, i) => slot.set(p, i));
		const residual = players.map((p) => {
			const s = start.get(p)!;
			const f = final.get(p)!;
			const c = certain.get(p) ?? { coins: 0, swords: 0 };
			return { coins: f.coins - s.coins - c.coins, swords: f.swords - s.swords - c.swords };
		});
		const options = uncertain.map((entry) => {
			const option = new Array<[number, Holdings]>();
			for (const [player, h] of entry.effect) option.push([slot.get(player)!, h]);
			return option;
		});
		const found = findAssignment(residual, options);
		if (found !== undefined && found !== "gaveUp") return { happened: uncertain.filter((_, i) => found[i]) };
		const lines = new Array<string>();
		lines.push(
			found === "gaveUp"
				? `the search over ${uncertain.size()} uncertain operations gave up after ${SEARCH_LIMIT} nodes`
				: `no assignment of the ${uncertain.size()} uncertain operations explains every player's holdings`,
		);
		lines.push("player: start + certain = expected (final; unexplained)");
		players.forEach((p, i) => {
			const s = start.get(p)!;
			const c = certain.get(p) ?? { coins: 0, swords: 0 };
			const expected = { coins: s.coins + c.coins, swords: s.swords + c.swords };
			lines.push(
				`  ${p}: ${shown(s)} ${signed(c)} = ${shown(expected)} (final ${shown(final.get(p)!)}; ${signed(residual[i])})`,
			);
		});
		lines.push("uncertain operations:");
		for (const e of uncertain) lines.push(`  #${e.index} ${e.what} [${effectText(e.effect)}]: ${e.outcome}`);
		lines.push("every operation:");
		for (const e of this.entries) {
			lines.push(
				`  #${e.index} t=${string.format("%.1f", e.time)} ${e.what} [${effectText(e.effect)}]: ${e.certainty}, ${e.outcome}`,
			);
		}
		return { failure: lines.join("\n") };
	}
}
