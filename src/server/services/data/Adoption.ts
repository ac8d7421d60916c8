import type { Profile } from "@rbxts/profileservice/globals";
import { deepCopy } from "shared/protocol/deepCopy";
import type { AdoptionConfig } from "./AdoptionConfig";
import { DataServiceError, serviceError } from "./DataServiceError";
import { noYield } from "./pipeline/noYield";
import type { DataStoreServiceLike } from "./DataServiceTypes";
import type { ServiceContext } from "./ServiceContext";
import type { Session, StoredProfile } from "./Session";
import { toServiceError } from "./TransferResults";

/**
 * What an envelope records about adoption: true on a profile ProfileService just created from the template
 * (the legacy value has not been looked at), false once it was adopted or there was nothing to adopt. A
 * profile from before adoption was configured has no mark and is never adopted (it is DataService's already).
 */
export type AdoptionMark = { n?: boolean };

/** Reads of the legacy value: tries, and seconds between them (it is read once per player). */
const READ_TRIES = 3;
const READ_BACKOFF = 1;

/**
 * Adopts a game's existing data on a player's first load (DataServiceConfig.adopt): the legacy value is
 * mapped by the game's function and enters the profile through the write pipeline as an `adoption`
 * change, validated like any change. The legacy value is never written: a ProfileService profile read in
 * place is put back as it was by the loader when adoption fails (it releases the profile untouched), and a
 * `store`/`key` source is only read.
 *
 * @example
 * ```ts
 * adoption.adopt(profile, playerId, schemaVersion); // yields; throws a DataServiceError naming the key
 * ```
 */
export class Adoption {
	constructor(
		private readonly ctx: ServiceContext,
		private readonly config: AdoptionConfig,
		private readonly dataStores: DataStoreServiceLike,
	) {}

	/** Whether a new profile's template must carry the `n: true` mark (store/key sources only). */
	marksTemplate(): boolean {
		return this.config.from !== "ProfileService";
	}

	/**
	 * Adopts into `profile` when it holds legacy data (ProfileService) or was just created (store/key
	 * sources); otherwise does nothing.
	 * @throws `LoadFailed` when the legacy value cannot be read, `InvalidData` when it cannot be adopted.
	 */
	adopt(profile: Profile<StoredProfile, unknown>, playerId: number, schemaVersion: number): void {
		const stored = profile.Data as StoredProfile & AdoptionMark;
		const from = this.config.from;
		let legacy: unknown;
		let where: string;
		if (from === "ProfileService") {
			where = `${this.ctx.config.profileStoreName}/Player_${playerId} (ProfileService)`;
			if (isEnvelope(stored)) return;
			legacy = deepCopy(stored);
		} else {
			const key = from.key(playerId);
			where = `${from.store}/${key} (${from.format ?? "plain"})`;
			if (stored.n !== true) {
				// A profile of DataService's own (made before adoption was configured): never adopt into it,
				// and mark it so ProfileService's Reconcile does not fill the template's `n: true` in.
				stored.n = false;
				return;
			}
			const raw = this.read(from.store, from.scope, key, where);
			if (raw === undefined) {
				stored.n = false; // a new player: nothing to adopt
				return;
			}
			legacy = from.format === "ProfileStore" ? (raw as { Data?: unknown }).Data : raw;
			if (!typeIs(legacy, "table")) {
				throw serviceError("InvalidData", `adopting ${where}: expected a table of data, got ${typeOf(legacy)}`);
			}
		}
		const [ok, err] = pcall(() => this.apply(profile, playerId, legacy, schemaVersion));
		if (!ok) {
			const e = toServiceError(err, "InvalidData") as DataServiceError;
			throw serviceError(
				e.kind === "TransformFailed" ? "InvalidData" : e.kind,
				`adopting ${where}: ${e.message}`,
			);
		}
		this.ctx.stats.adoptions += 1;
	}

	/** Maps the legacy data and writes it as an envelope through the pipeline. */
	private apply(profile: Profile<StoredProfile, unknown>, playerId: number, legacy: unknown, version: number): void {
		const stored = profile.Data as StoredProfile & AdoptionMark & Record<string, unknown>;
		const mapped = noYield("the adoption map function", () => this.config.map(deepCopy(legacy), playerId));
		if (!typeIs(mapped, "table")) {
			throw serviceError("InvalidData", `the map function returned ${typeOf(mapped)}, expected a table`);
		}
		// The profile becomes an empty envelope, then the pipeline writes the mapped data into it; the loader
		// restores what was stored if anything below fails.
		for (const [field] of pairs(stored)) delete stored[field as string];
		stored.v = version;
		stored.data = {};
		stored.applied = {};
		stored.seq = 0;
		stored.n = false;
		const session: Session = {
			userId: playerId,
			token: "adoption",
			profile,
			unsaved: 0,
			saveSeq: 0,
			appliedAt: new Map(),
		};
		this.ctx.pipeline.run({
			kind: "adoption",
			context: { source: "adoption" },
			lock: [playerId],
			refusable: false,
			what: "adopted data",
			prepare: () => [{ session, after: mapped, worth: 1 }],
		});
	}

	/** The legacy value at `store`/`key` (undefined when none), retried a few times. */
	private read(store: string, scope: string | undefined, key: string, where: string): unknown {
		let lastError = "";
		for (let attempt = 1; attempt <= READ_TRIES; attempt++) {
			const [ok, value] = pcall(() => {
				const dataStore = this.dataStores.GetDataStore(store, scope);
				return dataStore.GetAsync(key)[0];
			});
			if (ok) return value;
			lastError = tostring(value);
			if (attempt < READ_TRIES) task.wait(READ_BACKOFF * attempt);
		}
		throw serviceError("LoadFailed", `reading ${where} failed ${READ_TRIES} times: ${lastError}`);
	}
}

/** True when `stored` has the envelope's fields (then it is DataService's own profile). */
function isEnvelope(stored: unknown): boolean {
	if (!typeIs(stored, "table")) return false;
	const s = stored as Partial<Record<keyof StoredProfile, unknown>>;
	return typeIs(s.v, "number") && typeIs(s.data, "table") && typeIs(s.applied, "table") && typeIs(s.seq, "number");
}
