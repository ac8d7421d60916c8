import type { DataAccessLayer } from "../DataAccessLayer";
import { describeKey as describe, KeyRef } from "./KeyRef";
import { canonicalJson, checksum } from "./Canonical";
import { dataError } from "./DataError";
import { Envelope, seal } from "./Envelope";
import { KeyedMutex } from "./KeyedMutex";
import { Priority } from "./RequestScheduler";

/** A key taking part in a transaction. */
export type TransactionKey = KeyRef;

/** What a transaction function sees of one key. */
export interface TransactionSlot {
	/** The key's data, undefined when the key is empty. */
	readonly data?: unknown;
	/** The key's version (0 when empty). */
	readonly version: number;
}

/** How a transaction ended. */
export interface TransactionResult {
	/** False when the function returned undefined (nothing was written). */
	readonly committed: boolean;
	/** The data now stored under each key (what the function returned), in key order; empty if not committed. */
	readonly values: ReadonlyArray<unknown>;
}

/** How long a transaction may stay pending before any reader may roll it back (seconds). */
export const TRANSACTION_TIMEOUT = 30;
/** Times a prepare waits for another transaction parked on its key before its attempt counts as lost. */
const HELD_WAITS = 3;

type RecordState = "pending" | "committed" | "aborted";

/** What a transaction's function returned, with each value's canonical JSON. */
interface Computed {
	readonly values: Array<defined>;
	readonly encoded: ReadonlyArray<string>;
}

interface TransactionRecord {
	st: RecordState;
	/** Number of keys. */
	n: number;
	/** Unix seconds after which a pending record may be aborted by anyone. */
	e: number;
}

function withoutPending(current: Envelope): Envelope {
	return { s: current.s, n: current.n, t: current.t, c: current.c, d: current.d, w: current.w, f: current.f };
}

/**
 * Multi-key transactions on DataStores, crash-safe at every step, in the classic shape of two-phase
 * commit with a single commit point:
 * 1. read every key (settling any transaction left on it);
 * 2. create the transaction record, state "pending";
 * 3. prepare each key in sorted order: one UpdateAsync that parks the new data on the key as a pending
 *    change, only if the key's version is still the one read and no other transaction holds it;
 * 4. commit: flip the record from "pending" to "committed" — the single atomic step that decides;
 * 5. apply each key: replace the data with its pending change and bump the version.
 * A reader that meets a pending change looks at the record: committed, it rolls the key forward;
 * aborted, it rolls it back; pending past its deadline, it aborts the record first (UpdateAsync makes
 * the commit and the abort mutually exclusive). Applying is keyed by the transaction id, so it happens
 * once. Cost for k keys: k reads and 2k + 2 UpdateAsync calls.
 *
 * Transactions of one server on the same key run one after another (a local lock per key, taken in sorted
 * order for all of a transaction's keys): side by side they would only abort each other's prepares. Between
 * servers, a prepare that finds another transaction's change parked on its key settles it and tries again
 * (keys are prepared in one order everywhere, so two transactions never wait on each other), and a prepare
 * that finds its key written since the read runs `fn` again on what the key holds, inside its UpdateAsync,
 * when the keys already prepared would get the same data: a hot key (a popular player's inbox) then costs
 * no extra attempt.
 */
export class TransactionEngine {
	/** This server's transactions, one at a time per key. */
	private readonly local = new KeyedMutex();

	constructor(
		private readonly dal: DataAccessLayer,
		private readonly recordStore: string,
	) {}

	/**
	 * The DataStore holding the records of transactions filed under `owner` (a player's UserId): `<store>.<owner>`,
	 * so one right-to-erasure template, `<store>.{UserId}` (a whole data store), covers them.
	 */
	recordStoreOf(owner: string): string {
		return `${this.recordStore}.${owner}`;
	}

	private recordRef(id: string, store?: string): KeyRef {
		return { store: store ?? this.recordStore, key: id };
	}

	private readRecord(id: string, priority: Priority, store?: string): TransactionRecord | undefined {
		const envelope = this.dal.readEnvelope(this.recordRef(id, store), priority, false);
		return envelope?.d as TransactionRecord | undefined;
	}

	/** Moves a record from `from` to `to`; returns the state it ends in. */
	private transition(
		id: string,
		from: RecordState,
		to: RecordState,
		priority: Priority,
		store?: string,
	): RecordState | undefined {
		const writeId = this.dal.newId();
		const envelope = this.dal.updateEnvelope(this.recordRef(id, store), priority, (current) => {
			const record = current?.d as TransactionRecord | undefined;
			if (record === undefined || record.st !== from) return undefined;
			return seal({ st: to, n: record.n, e: record.e }, current, writeId, 1, this.dal.now());
		});
		return (envelope?.d as TransactionRecord | undefined)?.st;
	}

	/**
	 * Parks `data` (whose canonical JSON is `encoded`) on a key as transaction `id`'s pending change, if the
	 * key is still at `expectedVersion` and holds no other transaction. When it moved on (another write landed
	 * since the read) and `refresh` is given, `refresh` is asked for this key's data and its JSON computed from
	 * what the key holds now, inside the same UpdateAsync, and that is parked instead (undefined from it: the
	 * conflict stands). Returns `held` when another transaction's change is parked there.
	 */
	private prepare(
		ref: KeyRef,
		expectedVersion: number,
		id: string,
		data: unknown,
		encoded: string,
		expires: number,
		priority: Priority,
		recordStore: string | undefined,
		refresh?: (current: Envelope | undefined) => [unknown, string] | undefined,
	): "prepared" | "held" | "conflict" {
		let outcome: "prepared" | "held" | "conflict" = "conflict";
		this.dal.updateEnvelope(ref, priority, (current) => {
			outcome = "conflict";
			if (current?.x?.id === id) {
				outcome = "prepared"; // an earlier try landed
				return undefined;
			}
			if (current?.x !== undefined) {
				outcome = "held";
				return undefined;
			}
			let parked = data;
			let json = encoded;
			if ((current?.n ?? 0) !== expectedVersion) {
				const fresh = refresh?.(current);
				if (fresh === undefined) return undefined;
				[parked, json] = fresh;
			}
			outcome = "prepared";
			const pending = {
				id,
				d: parked,
				c: checksum(json),
				e: expires,
				r: recordStore,
			};
			if (current === undefined) {
				return { s: 1, n: 0, t: this.dal.now(), c: checksum("null"), d: undefined, w: [], x: pending };
			}
			return { ...withoutPending(current), x: pending };
		});
		return outcome;
	}

	/** Replaces a key's data with transaction `id`'s pending change, if it is still there. */
	private apply(ref: KeyRef, id: string, priority: Priority): Envelope | undefined {
		return this.dal.updateEnvelope(ref, priority, (current) => {
			if (current?.x === undefined || current.x.id !== id) return undefined;
			if (checksum(canonicalJson(current.x.d, describe(ref))) !== current.x.c) {
				throw dataError("ChecksumMismatch", `${describe(ref)}: pending change of transaction ${id} is corrupt`);
			}
			return seal(current.x.d, withoutPending(current), id, current.s === 0 ? 1 : current.s, this.dal.now());
		});
	}

	/** Removes transaction `id`'s pending change from a key, if it is still there. */
	private rollback(ref: KeyRef, id: string, priority: Priority): Envelope | undefined {
		return this.dal.updateEnvelope(ref, priority, (current) => {
			if (current?.x === undefined || current.x.id !== id) return undefined;
			return withoutPending(current);
		});
	}

	/**
	 * Settles a key that holds a pending change: rolls it forward or back according to its transaction
	 * record, aborting a record that outlived its deadline. Returns the key's envelope afterwards.
	 */
	settle(ref: KeyRef, priority: Priority): Envelope | undefined {
		for (;;) {
			const envelope = this.dal.readEnvelope(ref, priority, false);
			const pending = envelope?.x;
			if (pending === undefined) return envelope;
			const record = this.readRecord(pending.id, priority, pending.r);
			if (record?.st === "committed") {
				return this.apply(ref, pending.id, priority) ?? this.dal.readEnvelope(ref, priority, false);
			}
			if (record === undefined || record.st === "aborted") {
				this.rollback(ref, pending.id, priority);
				continue;
			}
			if (this.dal.now() > record.e) {
				this.transition(pending.id, "pending", "aborted", priority, pending.r);
				continue;
			}
			task.wait(math.clamp(record.e - this.dal.now(), 0.1, 1));
		}
	}

	/** One key is atomic on its own: a single UpdateAsync, no record, no prepare. */
	private runSingle(
		key: TransactionKey,
		fn: (slots: ReadonlyArray<TransactionSlot>) => Array<defined> | undefined,
		priority: Priority,
	): TransactionResult {
		let committed = false;
		let written: unknown;
		this.dal.updateNow(
			key,
			(current: unknown, document) => {
				const out = fn([{ data: current, version: document?.version ?? 0 }]);
				committed = out !== undefined;
				if (out === undefined) return undefined;
				if (out.size() !== 1)
					throw dataError("InvalidArgument", `the transaction returned ${out.size()} values for 1 key`);
				written = out[0];
				return out[0];
			},
			{ priority },
		);
		return { committed, values: committed ? [written as defined] : [] };
	}

	run(
		keys: ReadonlyArray<TransactionKey>,
		fn: (slots: ReadonlyArray<TransactionSlot>) => Array<defined> | undefined,
		priority: Priority,
		attempts: number,
		owner?: string,
	): TransactionResult {
		if (keys.size() === 0) throw dataError("InvalidArgument", "a transaction needs at least one key");
		const seen = new Set<string>();
		for (const key of keys) {
			this.dal.store(key);
			if (seen.has(describe(key)))
				throw dataError("InvalidArgument", `${describe(key)} appears twice in one transaction`);
			seen.add(describe(key));
		}
		if (keys.size() === 1) return this.runSingle(keys[0], fn, priority);
		const store = owner !== undefined ? this.recordStoreOf(owner) : undefined;
		const order = keys.map((_, i) => i);
		table.sort(order, (a, b) => describe(keys[a]) < describe(keys[b]));
		return this.local.runAll(
			keys.map((key) => describe(key)),
			() => this.attempt(keys, order, fn, priority, attempts, store),
		);
	}

	/** The attempts of {@link run}, while this server's other transactions on the same keys wait. */
	private attempt(
		keys: ReadonlyArray<TransactionKey>,
		order: ReadonlyArray<number>,
		fn: (slots: ReadonlyArray<TransactionSlot>) => Array<defined> | undefined,
		priority: Priority,
		attempts: number,
		store: string | undefined,
	): TransactionResult {
		for (let attempt = 1; attempt <= attempts; attempt++) {
			const slots = new Array<TransactionSlot>();
			for (const key of keys) {
				const envelope = this.settle(key, priority);
				slots.push({ data: envelope?.d, version: envelope?.n ?? 0 });
			}
			let computed = this.compute(keys, fn, slots);
			if (computed === undefined) return { committed: false, values: [] };

			const id = this.dal.newId();
			const expires = this.dal.now() + TRANSACTION_TIMEOUT;
			const writeId = this.dal.newId();
			this.dal.updateEnvelope(this.recordRef(id, store), priority, (current) =>
				current === undefined
					? seal({ st: "pending", n: keys.size(), e: expires }, undefined, writeId, 1, this.dal.now())
					: undefined,
			);

			const prepared = new Array<number>();
			let ok = true;
			let declined = false;
			for (const i of order) {
				// A key written since the read (a hot inbox): `fn` again on what it holds now, kept only if the
				// keys already prepared would get the same data (they hold it parked, unchanged since their read).
				let refreshed: Computed | undefined;
				const refresh = (current: Envelope | undefined): [unknown, string] | undefined => {
					const fresh = [...slots];
					fresh[i] = { data: current?.d, version: current?.n ?? 0 };
					refreshed = this.compute(keys, fn, fresh);
					declined = refreshed === undefined;
					if (refreshed === undefined) return undefined;
					const again = refreshed;
					for (const j of prepared) if (again.encoded[j] !== computed!.encoded[j]) return undefined;
					return [again.values[i], again.encoded[i]];
				};
				const prepareOnce = () =>
					this.prepare(
						keys[i],
						slots[i].version,
						id,
						computed!.values[i],
						computed!.encoded[i],
						expires,
						priority,
						store,
						refresh,
					);
				let outcome = prepareOnce();
				// Another transaction holds the key between its prepare and its apply (a few requests): settle it
				// (roll it forward or back) and try again on what it left. Keys are prepared in one order
				// everywhere, so two transactions never wait on each other.
				for (let waits = 0; outcome === "held" && waits < HELD_WAITS; waits++) {
					this.settle(keys[i], priority);
					outcome = prepareOnce();
				}
				if (outcome !== "prepared") {
					ok = false;
					break;
				}
				if (refreshed !== undefined) computed = refreshed;
				prepared.push(i);
			}
			const finalState = ok
				? this.transition(id, "pending", "committed", priority, store)
				: this.transition(id, "pending", "aborted", priority, store);
			if (finalState === "committed") {
				for (const i of order) this.apply(keys[i], id, priority);
				return { committed: true, values: computed.values };
			}
			for (const i of prepared) this.rollback(keys[i], id, priority);
			// `fn` declined on a key's newer data: nothing to write.
			if (declined) return { committed: false, values: [] };
			task.wait(math.random() * 0.5 * attempt);
		}
		throw dataError(
			"TransactionAborted",
			`the transaction on ${keys.size()} keys kept conflicting after ${attempts} attempts`,
		);
	}

	/**
	 * `fn` on `slots`, its result checked: one storable value per key with its canonical JSON (checked once,
	 * then checksummed by the prepare and compared by a refresh), or undefined (no write).
	 */
	private compute(
		keys: ReadonlyArray<TransactionKey>,
		fn: (slots: ReadonlyArray<TransactionSlot>) => Array<defined> | undefined,
		slots: ReadonlyArray<TransactionSlot>,
	): Computed | undefined {
		const values = fn(slots);
		if (values === undefined) return undefined;
		if (values.size() !== keys.size()) {
			throw dataError(
				"InvalidArgument",
				`the transaction returned ${values.size()} values for ${keys.size()} keys`,
			);
		}
		return { values, encoded: keys.map((key, i) => canonicalJson(values[i], describe(key))) };
	}
}
