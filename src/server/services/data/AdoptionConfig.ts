/**
 * Where a game's existing player data lives before DataService:
 * - `"ProfileService"`: profiles ProfileService saved under DataService's own store and key
 *   (`profileStoreName`, default "PlayerData", and "Player_<userId>"): the stored `Data` is adopted in place;
 * - `{ store, key, format: "ProfileStore" }`: profiles ProfileStore saved (the value's `Data` field);
 * - `{ store, key }` (format "plain"): a table saved with SetAsync/UpdateAsync.
 * A `store`/`key` source is read once, on the first load of a player DataService has no profile for, and
 * never written.
 */
export type AdoptionSource =
	| "ProfileService"
	| {
			/** The DataStore name the old code used. */
			readonly store: string;
			/** The old key of a player, e.g. `(userId) => \`Player_${userId}\``. */
			readonly key: (userId: number) => string;
			/** The DataStore scope (default "global"). */
			readonly scope?: string;
			/** How the value is stored (default "plain"). */
			readonly format?: "ProfileStore" | "plain";
	  };

/**
 * Adopting an existing game's data on first load (DataServiceConfig.adopt).
 *
 * @example
 * ```ts
 * new DataService({
 * 	schema, template,
 * 	adopt: { from: "ProfileService", map: (old) => ({ coins: (old as { Cash: number }).Cash, inventory: {} }) },
 * });
 * ```
 */
export interface AdoptionConfig {
	readonly from: AdoptionSource;
	/**
	 * Turns the old data (a copy) into this game's data; it must not yield. Its result passes the write
	 * pipeline as an `adoption` change (validated against the schema); an error or an invalid result fails
	 * the load with `InvalidData` and leaves the old value untouched.
	 */
	readonly map: (legacy: unknown, userId: number) => object;
}
