import type { MemoryStoreHashMapLike } from "./ServerPresence";

/**
 * Adds `record` (a tuple whose last element is its os.time()) under `playerId` to the entry `key` of a
 * MemoryStore hash map, in one UpdateAsync that also drops the entry's records older than `ttl` seconds:
 * one entry per server holds its recent per-player records (release marks, release requests). Yields; a
 * failure is swallowed, since such records are hints whose loss only costs speed.
 *
 * @example
 * ```ts
 * addTimedRecord(map, jobId, playerId, [loadCount, os.time()], 60);
 * ```
 */
export function addTimedRecord(
	map: MemoryStoreHashMapLike,
	key: string,
	playerId: number,
	record: Array<unknown>,
	ttl: number,
): void {
	pcall(() =>
		map.UpdateAsync(
			key,
			(old) => {
				const now = os.time();
				const records: Record<string, Array<unknown>> = {};
				if (typeIs(old, "table")) {
					for (const [id, value] of pairs(old as Record<string, unknown>)) {
						if (!typeIs(value, "table")) continue;
						const entry = value as Array<unknown>;
						const at = entry[entry.size() - 1];
						if (typeIs(at, "number") && now - at <= ttl) records[id as string] = entry;
					}
				}
				records[tostring(playerId)] = record;
				return records;
			},
			ttl,
		),
	);
}
