/**
 * One declared migration: data of schema version `from` becomes version `from + 1`.
 *
 * Luau cannot read a function's source, so a step is fingerprinted by what it does to its `sample`: the
 * checksum recorded in the durable history covers the name, the versions, `compatibleBackTo`, whether a
 * `down` exists, the sample and the sample's result (up, then down). Give every step a sample whose result
 * an edit would change: an edited published step is then refused (`EditedStep`) instead of migrating
 * half the players one way and half the other.
 *
 * What edit detection sees: a renamed step, changed versions or `compatibleBackTo`, a `down` added or
 * removed, another sample, and any edit of `up` (or `down`) that changes what the sample becomes. What it
 * cannot see: an edit that leaves the sample's result as it was (a branch the sample does not take, a field
 * the sample lacks, a constant used only for other inputs), an edit of what the step reads from outside
 * its argument (a module, a config table), and any edit of a step declared without a sample (only its
 * name, versions and `down`'s presence are checked). A step whose result on its sample varies between runs
 * (time, randomness, iteration order turned into an array) is seen as edited on every server: keep it
 * deterministic.
 *
 * @example
 * ```ts
 * const addGems: MigrationStep = {
 * 	name: "add gems",
 * 	from: 1,
 * 	up: (data) => ({ ...(data as { coins: number }), gems: 0 }),
 * 	down: (data) => ({ coins: (data as { coins: number }).coins }),
 * 	sample: { coins: 5 },
 * };
 * ```
 */
export interface MigrationStep {
	/** Unique within the chain; recorded in the history and in every run. */
	readonly name: string;
	/** The version this step reads; it writes `from + 1`. Steps are declared in order from 1. */
	readonly from: number;
	/**
	 * Returns the data at `from + 1`. Gets a copy (editing it is allowed), must not yield, must return a
	 * table. A transformation that renames, splits or moves fields is any function of the whole document.
	 */
	readonly up: (data: object) => object;
	/** The inverse, for downgrades (optional: a rollback of a batch run restores pre-images instead). */
	readonly down?: (data: object) => object;
	/**
	 * Forward compatibility: servers whose code knows only up to this version (or later) may load and write
	 * data of version `from + 1` as it is, keeping its version (like Lapis's lastCompatibleVersion).
	 * Default `from + 1`: older code refuses the data.
	 */
	readonly compatibleBackTo?: number;
	/** A document of version `from` that fingerprints the step (see above). */
	readonly sample?: object;
}
