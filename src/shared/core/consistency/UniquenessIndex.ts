/** The MemoryStore hash map calls the index makes (MemoryStoreService's, or a spec's). */
export interface OwnerMapLike {
	GetAsync(key: string): unknown;
	UpdateAsync(key: string, transform: (old: unknown) => unknown, expiration: number): unknown;
	RemoveAsync(key: string): void;
}

/** What one claim (or look-up) found. */
export type ClaimOutcome =
	/** Claimed, or (a look-up) no other player's claim holds the id. */
	| { readonly status: "claimed" }
	/** Another player's claim holds the id: the same item is (or was recently) held twice. */
	| { readonly status: "heldElsewhere"; readonly owner: number }
	/** The MemoryStore request failed: nothing is known (never reported as a duplicate). */
	| { readonly status: "unknown"; readonly error: string };

/**
 * The online uniqueness index of unique item ids: a MemoryStore hash map from item id to the player who
 * last received it. A change that hands a player items claims them; a load looks its items up without
 * writing. A claim or look-up that finds another player's id is a duplicate: the classic dupe (an item
 * traded away comes back with a stale save of the giver) is found when the giver next loads. Claims expire
 * (`expiration`, default 1 hour) because the MemoryStore's memory is the experience's 64 KB + 1.2 KB per
 * user, shared with session locks and handoffs: claiming every loaded player's items for days (about 70
 * bytes each) would fill it in any game with unique items. What the index cannot see, the offline scan does.
 *
 * Costs: one UpdateAsync per item handed over, one GetAsync per item loaded; one GetAsync and at most one
 * RemoveAsync per item given away.
 *
 * @example
 * ```ts
 * const index = new UniquenessIndex(MemoryStoreService.GetHashMap("DataService.ItemOwners"));
 * const outcome = index.claim("3F2A...", 123);
 * ```
 */
export class UniquenessIndex {
	/** MemoryStore requests sent (every call counts, failed ones too). */
	requests = 0;

	constructor(
		private readonly map: OwnerMapLike,
		private readonly expiration = 3600,
	) {}

	/** Looks `itemId` up for `owner` without writing (yields): held by another player, or not. */
	lookUp(itemId: string, owner: number): ClaimOutcome {
		this.requests += 1;
		const [ok, current] = pcall(() => this.map.GetAsync(itemId));
		if (!ok) return { status: "unknown", error: tostring(current) };
		return typeIs(current, "number") && current !== owner
			? { status: "heldElsewhere", owner: current }
			: { status: "claimed" };
	}

	/**
	 * Claims `itemId` for `owner` (yields). A claim held by a player in `handedOverBy` is taken over: the
	 * item moved from them to `owner` in the change being recorded (a trade).
	 */
	claim(itemId: string, owner: number, handedOverBy?: ReadonlySet<number>): ClaimOutcome {
		let other: number | undefined;
		this.requests += 1;
		const [ok, err] = pcall(() =>
			this.map.UpdateAsync(
				itemId,
				(old) => {
					if (typeIs(old, "number") && old !== owner && handedOverBy?.has(old) !== true) {
						other = old;
						return undefined; // cancels: the other claim stays
					}
					other = undefined;
					return owner;
				},
				this.expiration,
			),
		);
		if (!ok) return { status: "unknown", error: tostring(err) };
		return other !== undefined ? { status: "heldElsewhere", owner: other } : { status: "claimed" };
	}

	/** Takes over `itemId` for `owner` whatever held it (after a check showed the old holder let it go). */
	reassign(itemId: string, owner: number): void {
		this.requests += 1;
		pcall(() => this.map.UpdateAsync(itemId, () => owner, this.expiration));
	}

	/**
	 * Drops `owner`'s claim of an item they no longer hold (yields). A claim of someone else stays: a release
	 * can never invent a duplicate, at worst it hides one from the index (the offline scan still sees it).
	 */
	release(itemId: string, owner: number): void {
		this.requests += 1;
		const [ok, current] = pcall(() => this.map.GetAsync(itemId));
		if (!ok || current !== owner) return;
		this.requests += 1;
		pcall(() => this.map.RemoveAsync(itemId));
	}
}
