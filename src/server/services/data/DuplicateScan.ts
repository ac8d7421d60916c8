import type { HeldItem } from "shared/core/consistency/checkItems";

/** The DataStore calls the offline scan makes on the profile store. */
export interface ProfileListing {
	/** One page of at most `pageSize` profile keys after `cursor` (one ListKeysAsync request). */
	readonly listPage: (cursor: string | undefined, pageSize: number) => { keys: Array<string>; cursor?: string };
	/** The stored game data of a profile key (one GetAsync), or undefined. */
	readonly read: (key: string) => unknown;
}

/** An item id held by more than one player. */
export interface DuplicateHolding {
	readonly itemId: string;
	readonly holders: ReadonlyArray<number>;
}

/** What a {@link scanForDuplicates} pass spent, and every duplicate its scan found so far. */
export interface DuplicateScanResult {
	/** Every duplicate found since the scan started (this pass and the earlier ones of the same scan). */
	readonly duplicates: ReadonlyArray<DuplicateHolding>;
	/** Profiles read. */
	readonly scanned: number;
	/** DataStore requests spent (pages listed and profiles read). */
	readonly requests: number;
	/** Where the next pass goes on; undefined once every key was scanned. */
	readonly cursor?: string;
}

/**
 * The offline duplicate scan: lists the profile store's keys page by page and reads each profile, noting
 * which player holds which unique item id, until the whole store was read or the next page would take
 * it past `budget` requests (pages shrink to fit; the next pass continues from `cursor`). Items seen in earlier passes are carried in `seen`, so
 * a duplicate spread over two passes is found too.
 *
 * @example
 * ```ts
 * const seen = new Map<string, number[]>();
 * let result = scanForDuplicates(listing, held, 500, undefined, seen);
 * while (result.cursor !== undefined) result = scanForDuplicates(listing, held, 500, result.cursor, seen);
 * ```
 */
export function scanForDuplicates(
	listing: ProfileListing,
	held: (data: unknown) => ReadonlyArray<HeldItem>,
	budget: number,
	cursor: string | undefined,
	seen: Map<string, Array<number>>,
): DuplicateScanResult {
	let requests = 0;
	let scanned = 0;
	let after = cursor;
	do {
		const room = budget - requests;
		if (room < 2) break;
		const page = listing.listPage(after, math.min(50, room - 1));
		requests += 1;
		for (const key of page.keys) {
			const [userText] = key.match("^Player_(%d+)$");
			if (userText === undefined) continue;
			const userId = tonumber(userText)!;
			const data = listing.read(key);
			requests += 1;
			scanned += 1;
			for (const item of held(data)) {
				const holders = seen.get(item.id) ?? [];
				if (!holders.includes(userId)) holders.push(userId);
				seen.set(item.id, holders);
			}
		}
		after = page.cursor;
	} while (after !== undefined);
	const duplicates = new Array<DuplicateHolding>();
	for (const [itemId, holders] of seen) if (holders.size() > 1) duplicates.push({ itemId, holders: [...holders] });
	return { duplicates, scanned, requests, cursor: after };
}
