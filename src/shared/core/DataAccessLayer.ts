import { DataStoreService, HttpService, MemoryStoreService } from "@rbxts/services";
import { assertServer } from "./assertServer";
import { canonicalJson, MAX_VALUE_LENGTH } from "./dal/Canonical";
import { ConflictReport, ConflictStrategy, resolveConflict } from "./dal/Conflict";
import { DataError, dataError, isDataError } from "./dal/DataError";
import { DataDocument, Envelope, open, seal, toDocument, WRITE_HISTORY } from "./dal/Envelope";
import { describeKey as describe, KeyRef } from "./dal/KeyRef";
import { DEFAULT_LOCK_OPTIONS, Lease, LeaseMap, LockManager, LockOptions } from "./dal/LockManager";
import { BudgetSource, Priority, RequestScheduler } from "./dal/RequestScheduler";
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableCode, RetryPolicy, toDataError } from "./dal/Retry";
import { TransactionEngine, TransactionKey, TransactionResult, TransactionSlot } from "./dal/Transactions";

export type { DataError, DataErrorKind } from "./dal/DataError";
export type { DataDocument } from "./dal/Envelope";
export type { KeyRef } from "./dal/KeyRef";
export type { ConflictReport, ConflictStrategy } from "./dal/Conflict";
export type { Lease } from "./dal/LockManager";
export type { Priority } from "./dal/RequestScheduler";
export type { RetryPolicy } from "./dal/Retry";
export type { TransactionKey, TransactionResult, TransactionSlot } from "./dal/Transactions";

/** The DataStore methods the layer calls. */
export interface DataStoreLike {
	GetAsync(key: string, options?: DataStoreGetOptions): LuaTuple<[unknown, DataStoreKeyInfo | undefined]>;
	UpdateAsync(
		key: string,
		transform: (
			value: unknown,
			keyInfo: DataStoreKeyInfo | undefined,
		) => LuaTuple<[unknown, Array<number>?, object?]> | unknown,
	): LuaTuple<[unknown, DataStoreKeyInfo | undefined]>;
	RemoveAsync(key: string): LuaTuple<[unknown, DataStoreKeyInfo | undefined]>;
}

/** The DataStoreService methods the layer calls. */
export interface DataStoreServiceLike extends BudgetSource {
	GetDataStore(name: string, scope?: string): DataStoreLike;
}

/** The MemoryStoreService method the layer calls (for locks). */
export interface MemoryStoreServiceLike {
	GetHashMap(name: string): LeaseMap;
}

/** Something the audit hook is told. */
export type DataAuditEvent =
	| { readonly type: "conflict"; readonly report: ConflictReport }
	| { readonly type: "retry"; readonly key: string; readonly attempt: number; readonly error: DataError }
	| { readonly type: "transaction"; readonly id: string; readonly outcome: string; readonly keys: number }
	/** A request waited `seconds` for the server's DataStore budget (the RequestScheduler held it back). */
	| { readonly type: "throttled"; readonly key: string; readonly priority: Priority; readonly seconds: number };

/** Configuration of a {@link DataAccessLayer}; every field is optional. */
export interface DataAccessLayerConfig {
	readonly dataStoreService?: DataStoreServiceLike;
	readonly memoryStoreService?: MemoryStoreServiceLike;
	/** Unix seconds (default: DateTime.now()). */
	readonly clock?: () => number;
	readonly random?: Random;
	readonly retry?: Partial<RetryPolicy>;
	readonly locks?: Partial<LockOptions>;
	/** Requests in flight at once (default 10, the original maxConcurrentOperations). */
	readonly maxConcurrent?: number;
	/** Told about conflicts, retries and transactions. */
	readonly audit?: (event: DataAuditEvent) => void;
	/** Name of the MemoryStore hash map holding locks (default "DataAccessLayer.Locks"). */
	readonly lockMapName?: string;
	/** Name of the DataStore holding transaction records (default "DataAccessLayer.Transactions"). */
	readonly transactionStoreName?: string;
	/** Identifies this server in lock owners (default game.JobId). */
	readonly serverId?: string;
	/** Print warnings (default true). */
	readonly warnings?: boolean;
}

/** Options common to reads and writes. */
export interface RequestOptions {
	/** Default "normal"; player saves should use "critical", backups and audit "background". */
	readonly priority?: Priority;
}

/** Options of writes. */
export interface WriteOptions extends RequestOptions {
	/** Schema version recorded with the data (default: keep the stored one, or 1). */
	readonly schemaVersion?: number;
	/** A held lease: the write is refused (LockLost) if the lease ran out or a newer holder wrote. */
	readonly lease?: Lease;
}

/** Options of {@link DataAccessLayer.updateVersioned}. */
export interface VersionedUpdateOptions extends WriteOptions {
	readonly strategy?: ConflictStrategy;
	/** Top-level fields a client may change; required for "client_wins". */
	readonly clientWritable?: ReadonlyArray<string>;
	/** The data at `expectedVersion`, for three-way merges (default: the last document this layer read). */
	readonly base?: unknown;
}

/** The result of an optimistic update. */
export interface VersionedUpdateResult<T> {
	readonly document: DataDocument<T>;
	/** Present when someone else had written since the expected version. */
	readonly conflict?: ConflictReport;
}

const STORE_NAME_LIMIT = 50;
/** Versions of a key kept as merge bases. */
const SEEN_VERSIONS = 4;

function checkName(what: string, value: string | undefined): void {
	if (value === undefined) return;
	if (!typeIs(value, "string") || value.size() === 0 || value.size() > STORE_NAME_LIMIT) {
		throw dataError(
			"InvalidArgument",
			`${what} must be a string of 1 to ${STORE_NAME_LIMIT} characters, got ${tostring(value)}`,
			101,
		);
	}
}

/**
 * The only module that talks to DataStoreService. It orders writes per key, paces requests by budget,
 * retries retryable failures with exponential backoff and full jitter, stores every value in a
 * checksummed, versioned envelope, resolves optimistic-concurrency conflicts by strategy, holds
 * distributed locks with fencing tokens, and runs multi-key transactions that survive a crash at any step.
 *
 * Every asynchronous method returns a Promise that rejects with a {@link DataError}.
 *
 * @example
 * ```ts
 * const dal = new DataAccessLayer();
 * const doc = await dal.update({ store: "Players", key: "123" }, (data?: { coins: number }) => ({
 * 	coins: (data?.coins ?? 0) + 100,
 * }));
 * print(doc.version, doc.data.coins);
 * ```
 */
export class DataAccessLayer {
	private readonly dataStoreService: DataStoreServiceLike;
	private readonly memoryStoreService: MemoryStoreServiceLike;
	private readonly clock: () => number;
	private readonly random: Random;
	private readonly retryPolicy: RetryPolicy;
	private readonly scheduler: RequestScheduler;
	private readonly audit?: (event: DataAuditEvent) => void;
	private readonly stores = new Map<string, DataStoreLike>();
	/** Recent versions of each key this layer saw, newest last: the bases of three-way merges. */
	private readonly seen = new Map<string, Array<Envelope>>();
	private readonly serverId: string;
	private lockManager?: LockManager;
	private readonly lockOptions: LockOptions;
	private readonly lockMapName: string;
	private readonly warnings: boolean;
	/** @internal */
	readonly transactions: TransactionEngine;
	private requestCount = 0;
	private readonly requestsByType: Record<string, number> = {};

	constructor(config: DataAccessLayerConfig = {}) {
		assertServer("DataAccessLayer");
		this.dataStoreService = config.dataStoreService ?? (DataStoreService as unknown as DataStoreServiceLike);
		this.memoryStoreService =
			config.memoryStoreService ?? (MemoryStoreService as unknown as MemoryStoreServiceLike);
		this.clock = config.clock ?? (() => DateTime.now().UnixTimestampMillis / 1000);
		this.random = config.random ?? new Random();
		this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...config.retry };
		this.scheduler = new RequestScheduler(this.dataStoreService, config.maxConcurrent ?? 10);
		this.audit = config.audit;
		this.serverId = config.serverId ?? (game.JobId !== "" ? game.JobId : HttpService.GenerateGUID(false));
		this.lockOptions = { ...DEFAULT_LOCK_OPTIONS, ...config.locks };
		this.lockMapName = config.lockMapName ?? "DataAccessLayer.Locks";
		this.warnings = config.warnings ?? true;
		this.transactions = new TransactionEngine(this, config.transactionStoreName ?? "DataAccessLayer.Transactions");
	}

	/** DataStore requests this layer has sent (every attempt counts). */
	getRequestCount(): number {
		return this.requestCount;
	}

	/**
	 * DataStore requests this layer has sent, by Enum.DataStoreRequestType name (every attempt counts; a
	 * copy). DataService's metrics turn it into requests per minute.
	 */
	getRequestCountsByType(): Record<string, number> {
		return table.clone(this.requestsByType);
	}

	/** Requests waiting or running. */
	getPendingCount(): number {
		return this.scheduler.pending();
	}

	/** @internal */
	now(): number {
		return this.clock();
	}

	/** @internal A fresh id for a write or transaction (a GUID: unique across servers, at most 50 characters). */
	newId(): string {
		return HttpService.GenerateGUID(false);
	}

	/** @internal */
	store(ref: KeyRef): DataStoreLike {
		checkName("store name", ref.store);
		checkName("scope", ref.scope);
		checkName("key", ref.key);
		const id = `${ref.store}\0${ref.scope ?? ""}`;
		let store = this.stores.get(id);
		if (!store) {
			store = this.dataStoreService.GetDataStore(ref.store, ref.scope);
			this.stores.set(id, store);
		}
		return store;
	}

	private remember(where: string, envelope: Envelope): void {
		let list = this.seen.get(where);
		if (!list) {
			list = [];
			this.seen.set(where, list);
		}
		if (list.size() > 0 && list[list.size() - 1].n === envelope.n) list[list.size() - 1] = envelope;
		else list.push(envelope);
		if (list.size() > SEEN_VERSIONS) list.shift();
	}

	private seenVersion(where: string, version: number): Envelope | undefined {
		return this.seen.get(where)?.find((e) => e.n === version);
	}

	private warn(message: string): void {
		if (this.warnings) warn(`[DataAccessLayer] ${message}`);
	}

	/**
	 * @internal Runs one request for `ref` in its key's queue, retrying retryable failures. `attempt` is
	 * called once per try and must be safe to repeat (writes carry an id so a retry never applies twice).
	 */
	request<T>(ref: KeyRef, requestType: Enum.DataStoreRequestType, priority: Priority, attempt: () => T): T {
		return this.scheduler.run(describe(ref), priority, () => this.withRetry(ref, requestType, priority, attempt));
	}

	private withRetry<T>(ref: KeyRef, requestType: Enum.DataStoreRequestType, priority: Priority, attempt: () => T): T {
		const started = this.clock();
		let tries = 0;
		for (;;) {
			const waited = this.scheduler.waitForBudget(requestType, priority);
			if (waited > 0) this.audit?.({ type: "throttled", key: describe(ref), priority, seconds: waited });
			tries += 1;
			this.requestCount += 1;
			this.requestsByType[requestType.Name] = (this.requestsByType[requestType.Name] ?? 0) + 1;
			const [ok, result] = pcall(attempt);
			if (ok) return result;
			const err = toDataError(result);
			if (!isRetryableCode(err.code)) throw err;
			this.audit?.({ type: "retry", key: describe(ref), attempt: tries, error: err });
			if (tries >= this.retryPolicy.maxAttempts) {
				this.warn(`${describe(ref)} failed after ${tries} tries: ${err.message}`);
				throw err;
			}
			const delay = backoffDelay(this.retryPolicy, tries, this.random);
			if (this.clock() - started + delay > this.retryPolicy.deadline) {
				throw dataError(
					"DeadlineExceeded",
					`${describe(ref)}: gave up after ${tries} tries (${err.message})`,
					err.code,
				);
			}
			task.wait(delay);
		}
	}

	/** @internal Reads the raw envelope (no transaction resolution). */
	readEnvelope(ref: KeyRef, priority: Priority, useCache: boolean): Envelope | undefined {
		const store = this.store(ref);
		const raw = this.request(ref, Enum.DataStoreRequestType.GetAsync, priority, () => {
			let options: DataStoreGetOptions | undefined;
			if (!useCache) {
				options = new Instance("DataStoreGetOptions");
				options.UseCache = false;
			}
			const [value] = store.GetAsync(ref.key, options);
			return value;
		});
		return open(raw, describe(ref));
	}

	/**
	 * @internal One UpdateAsync whose transform gets the opened envelope and returns the next one (or
	 * undefined to write nothing). Returns the envelope stored afterwards (the new one, or the current
	 * one when nothing was written). A transform error is rethrown after the request, never inside it.
	 * `onTry` is called before each try's UpdateAsync (a retry after a failed try).
	 */
	updateEnvelope(
		ref: KeyRef,
		priority: Priority,
		transform: (current: Envelope | undefined) => Envelope | undefined,
		onTry?: () => void,
	): Envelope | undefined {
		const store = this.store(ref);
		const where = describe(ref);
		return this.request(ref, Enum.DataStoreRequestType.UpdateAsync, priority, () => {
			onTry?.();
			let failure: unknown;
			let result: Envelope | undefined;
			store.UpdateAsync(ref.key, (raw) => {
				failure = undefined;
				const [ok, value] = pcall(() => {
					const current = open(raw, where);
					result = current;
					return transform(current);
				});
				if (!ok) {
					failure = value;
					return undefined;
				}
				if (value === undefined) return undefined;
				const encoded = HttpService.JSONEncode(value);
				if (encoded.size() > MAX_VALUE_LENGTH) {
					failure = dataError(
						"TooLarge",
						`${where} would be ${encoded.size()} characters (limit ${MAX_VALUE_LENGTH})`,
					);
					return undefined;
				}
				result = value as Envelope;
				return value;
			});
			if (failure !== undefined) throw isDataError(failure) ? failure : toDataError(failure);
			if (result) this.remember(where, result);
			return result;
		});
	}

	private resolvePending(ref: KeyRef, envelope: Envelope | undefined, priority: Priority): Envelope | undefined {
		if (envelope?.x === undefined) return envelope;
		return this.transactions.settle(ref, priority);
	}

	/**
	 * Reads a document. Resolves to undefined when the key holds nothing. A key left mid-transaction by
	 * a crashed server is settled first (rolled forward or back), so the read sees it wholly before or
	 * wholly after the transaction.
	 * @param options.useCache read through Roblox's 4-second GetAsync cache (default false).
	 */
	read<T>(ref: KeyRef, options: RequestOptions & { useCache?: boolean } = {}): Promise<DataDocument<T> | undefined> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const priority = options.priority ?? "normal";
				let envelope = this.readEnvelope(ref, priority, options.useCache ?? false);
				envelope = this.resolvePending(ref, envelope, priority);
				if (envelope) this.remember(describe(ref), envelope);
				// A key that only ever held a rolled-back transaction's placeholder is empty.
				if (envelope === undefined || (envelope.n === 0 && envelope.d === undefined)) return undefined;
				return toDocument<T>(envelope);
			});
			if (ok) resolve(result);
			else reject(toDataError(result));
		});
	}

	private fenceCheck(ref: KeyRef, lease: Lease | undefined, current: Envelope | undefined): void {
		if (!lease) return;
		if (!this.getLockManager().isValid(lease)) {
			throw dataError("LockLost", `${describe(ref)}: the lease on ${lease.name} ran out before the write`);
		}
		if (current?.f !== undefined && lease.token < current.f) {
			throw dataError(
				"LockLost",
				`${describe(ref)}: a newer lock holder (token ${current.f}) has written; this holder has ${lease.token}`,
			);
		}
	}

	/**
	 * Read-modify-write in one UpdateAsync: `change` gets the current data (undefined if none) and
	 * returns the new data, or undefined to leave the key as it is. `change` may run more than once
	 * (UpdateAsync re-runs it when another server wrote meanwhile) and must not yield. A retried write
	 * never applies twice: each write carries an id the envelope remembers.
	 */
	update<T>(
		ref: KeyRef,
		change: (current: T | undefined, document?: DataDocument<T>) => T | undefined,
		options: WriteOptions = {},
	): Promise<DataDocument<T> | undefined> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => this.updateNow(ref, change, options));
			if (ok) resolve(result);
			else reject(toDataError(result));
		});
	}

	/**
	 * @internal The yielding form of {@link update}. Returns the key's document afterwards, or undefined
	 * when the key is empty and `change` wrote nothing.
	 *
	 * Exactly once: a try that reported an error may still have landed (Roblox can apply a write and
	 * fail the call). A landed write is found by its id in the envelope's write history, which keeps only
	 * the last {@link WRITE_HISTORY} ids, so the layer also remembers the version each unsure try was
	 * based on: when few enough writes followed that base, the id's absence proves the try did not land;
	 * otherwise the outcome cannot be told and the update fails with `OutcomeUnknown` rather than risk
	 * applying the change twice. When retries run out after an unsure try, one read settles it.
	 */
	updateNow<T>(
		ref: KeyRef,
		change: (current: T | undefined, document?: DataDocument<T>) => T | undefined,
		options: WriteOptions = {},
	): DataDocument<T> | undefined {
		const writeId = this.newId();
		const priority = options.priority ?? "normal";
		const where = describe(ref);
		// Bases of failed tries that may have landed, and the base of the current try's proposal. Within one
		// UpdateAsync a rerun of the transform means its previous proposal was not committed.
		const unsure = new Array<number>();
		let proposed: number | undefined;
		const settleUnsure = () => {
			if (proposed !== undefined) unsure.push(proposed);
			proposed = undefined;
		};
		for (;;) {
			let pending = false;
			const [ok, envelope] = pcall(() =>
				this.updateEnvelope(
					ref,
					priority,
					(current) => {
						pending = false;
						proposed = undefined;
						if (current?.w.includes(writeId)) return undefined; // an earlier try landed
						this.checkUnsure(where, writeId, unsure, current, true);
						unsure.clear(); // every earlier try provably did not land
						if (current?.x !== undefined) {
							pending = true; // settle the transaction first, then write
							return undefined;
						}
						this.fenceCheck(ref, options.lease, current);
						const nextData = change(
							current?.d as T | undefined,
							current ? toDocument<T>(current) : undefined,
						);
						if (nextData === undefined) return undefined;
						// seal encodes the data canonically for its checksum, refusing unstorable values on the way.
						const sealed = seal(
							nextData,
							current,
							writeId,
							options.schemaVersion ?? current?.s ?? 1,
							this.clock(),
							options.lease?.token,
							where,
						);
						proposed = current?.n ?? 0;
						return sealed;
					},
					settleUnsure,
				),
			);
			if (!ok) {
				settleUnsure();
				return this.verifyAfterFailure<T>(ref, priority, writeId, unsure, toDataError(envelope));
			}
			proposed = undefined; // the request succeeded: its last proposal is what it wrote, if anything
			if (pending) {
				this.transactions.settle(ref, priority);
				continue;
			}
			if (envelope === undefined || (envelope.n === 0 && envelope.d === undefined)) return undefined;
			return toDocument<T>(envelope);
		}
	}

	/**
	 * Throws `OutcomeUnknown` when a try based on a version in `unsure` may have landed without its id
	 * still being in `current`'s write history. A try based on version b that landed made version b + 1;
	 * its id stays in the history while fewer than WRITE_HISTORY writes followed it, so when
	 * `current.n - (b + 1) < WRITE_HISTORY` (or nothing was written since b) its absence proves the try
	 * did not land. A version below b (the key was removed since) proves nothing either way.
	 * Returns true when every unsure try provably did not land. `raise` false returns false instead.
	 */
	private checkUnsure(
		where: string,
		writeId: string,
		unsure: ReadonlyArray<number>,
		current: Envelope | undefined,
		raise: boolean,
	): boolean {
		if (current?.w.includes(writeId)) return true;
		const n = current?.n ?? 0;
		for (const base of unsure) {
			if (n === base || (n > base && n - (base + 1) < WRITE_HISTORY)) continue;
			if (!raise) return false;
			throw dataError(
				"OutcomeUnknown",
				`${where}: an earlier try of this update reported an error but may have landed, and ` +
					`${n - base} writes landed since the version (${base}) it was based on (only the last ` +
					`${WRITE_HISTORY} are remembered); not retried, so it is never applied twice`,
			);
		}
		return true;
	}

	/**
	 * An update failed with `err`. If a try may have landed (a retryable failure after the transform
	 * proposed a write), one uncached read tells: landed resolves as success with the stored document,
	 * provably not landed rethrows `err`, anything else throws `OutcomeUnknown`.
	 */
	private verifyAfterFailure<T>(
		ref: KeyRef,
		priority: Priority,
		writeId: string,
		unsure: ReadonlyArray<number>,
		err: DataError,
	): DataDocument<T> | undefined {
		if (unsure.size() === 0 || !isRetryableCode(err.code)) throw err;
		const where = describe(ref);
		const [ok, current] = pcall(() => this.readEnvelope(ref, priority, false));
		if (!ok) {
			throw dataError(
				"OutcomeUnknown",
				`${where}: the update failed (${err.message}) after a try that may have landed, and the read to check failed too`,
				err.code,
			);
		}
		if (current?.w.includes(writeId)) {
			this.remember(where, current);
			return current.n === 0 && current.d === undefined ? undefined : toDocument<T>(current);
		}
		if (!this.checkUnsure(where, writeId, unsure, current, false)) {
			throw dataError(
				"OutcomeUnknown",
				`${where}: the update failed (${err.message}) after a try that may have landed; ` +
					`more than ${WRITE_HISTORY} writes followed it, so whether it did cannot be told`,
				err.code,
			);
		}
		throw err;
	}

	/**
	 * Writes `data`, replacing what is stored. Unstorable or oversized data is refused before any
	 * request is sent.
	 */
	write<T>(ref: KeyRef, data: T, options: WriteOptions = {}): Promise<DataDocument<T>> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const encoded = canonicalJson(data, describe(ref));
				if (encoded.size() > MAX_VALUE_LENGTH) {
					throw dataError(
						"TooLarge",
						`${describe(ref)} is ${encoded.size()} characters (limit ${MAX_VALUE_LENGTH})`,
					);
				}
				return this.updateNow<T>(ref, () => data, options)!;
			});
			if (ok) resolve(result);
			else reject(toDataError(result));
		});
	}

	/**
	 * Optimistic update: `proposed` is the caller's new data, computed from the document it read at
	 * `expectedVersion`. If nobody wrote since, it is written. Otherwise the conflict is resolved by
	 * `options.strategy` (default "server_wins"), reported to the audit hook, and returned.
	 */
	updateVersioned<T>(
		ref: KeyRef,
		expectedVersion: number,
		proposed: T,
		options: VersionedUpdateOptions = {},
	): Promise<VersionedUpdateResult<T>> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const strategy = options.strategy ?? "server_wins";
				if (strategy === "client_wins" && options.clientWritable === undefined) {
					throw dataError(
						"InvalidArgument",
						"client_wins needs clientWritable: the fields a client may change",
					);
				}
				canonicalJson(proposed, describe(ref));
				const base = options.base ?? this.seenVersion(describe(ref), expectedVersion)?.d;
				let report: ConflictReport | undefined;
				const doc = this.updateNow<T>(
					ref,
					(current, document) => {
						report = undefined;
						const actual = document?.version ?? 0;
						if (actual === expectedVersion) return proposed;
						const resolved = resolveConflict(strategy, base, current, proposed, options.clientWritable);
						report = {
							key: describe(ref),
							expectedVersion,
							actualVersion: actual,
							strategy: typeIs(strategy, "function") ? "custom" : strategy,
							conflictingFields: resolved.conflictingFields,
							resolution: resolved.resolution,
						};
						return resolved.data as T | undefined;
					},
					options,
				);
				if (report) this.audit?.({ type: "conflict", report });
				if (doc === undefined) {
					throw dataError(
						"Conflict",
						`${describe(ref)}: the key is empty and the conflict resolution wrote nothing`,
					);
				}
				return { document: doc, conflict: report };
			});
			if (ok) resolve(result as VersionedUpdateResult<T>);
			else reject(toDataError(result));
		});
	}

	/** Removes a key (Roblox keeps a tombstone version). */
	remove(ref: KeyRef, options: RequestOptions = {}): Promise<void> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const store = this.store(ref);
				this.request(ref, Enum.DataStoreRequestType.SetIncrementAsync, options.priority ?? "normal", () =>
					store.RemoveAsync(ref.key),
				);
				this.seen.delete(describe(ref));
			});
			if (ok) resolve();
			else reject(toDataError(result));
		});
	}

	/** @internal */
	getLockManager(): LockManager {
		if (!this.lockManager) {
			this.lockManager = new LockManager(
				this.memoryStoreService.GetHashMap(this.lockMapName),
				// Unique per layer, not just per server: two layers in one server are different holders.
				`${this.serverId}/${this.newId()}`,
				this.clock,
				this.random,
				this.lockOptions,
			);
		}
		return this.lockManager;
	}

	/**
	 * Acquires a distributed lock (waits up to the acquire timeout, 30 s by default). The lease renews
	 * itself while held unless `renew` is false.
	 */
	acquireLock(name: string, timeout?: number, renew = true): Promise<Lease> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => this.getLockManager().acquire(name, timeout, renew));
			if (ok) resolve(result);
			else reject(toDataError(result));
		});
	}

	/** Releases a lock taken with {@link acquireLock}. */
	releaseLock(lease: Lease): void {
		this.getLockManager().release(lease);
	}

	/**
	 * Runs `fn` while holding every named lock (acquired in sorted order, so overlapping callers never
	 * deadlock), then releases them, whatever `fn` did.
	 */
	withLocks<R>(names: ReadonlyArray<string>, fn: (leases: Array<Lease>) => R): Promise<R> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const manager = this.getLockManager();
				const leases = manager.acquireAll(names);
				const [fnOk, value] = pcall(() => fn(leases));
				for (const lease of leases) manager.release(lease);
				if (!fnOk) throw value;
				return value;
			});
			if (ok) resolve(result as R);
			else reject(toDataError(result));
		});
	}

	/** Releases every lock this layer holds; call from game:BindToClose. */
	releaseAllLocks(): void {
		this.lockManager?.releaseAll();
	}

	/**
	 * Runs a multi-key transaction: reads every key at a consistent version, calls `fn` with one slot per
	 * key (`slot.data` undefined for an empty key), and writes the data it returns (one value per key,
	 * in the same order) to every key — all or nothing, even if this
	 * server crashes between two writes. Returning undefined from `fn` aborts without writing. A key
	 * written since the read gets `fn` again on its new data inside its prepare, when the keys prepared before
	 * it would keep their data; otherwise the transaction retries from the start (up to `attempts`, default
	 * 5). `fn` may therefore run more than once and must not yield. This server's transactions on the same key
	 * run one after another.
	 *
	 * Cost: one UpdateAsync for a single key; for k > 1 keys, k reads then 2k + 2 UpdateAsync calls
	 * (record, k prepares, commit, k applies).
	 *
	 * `recordOwner` (a player's UserId) files the transaction record in `<transactionStoreName>.<owner>`
	 * instead of the shared store, so the erasure template `<transactionStoreName>.{UserId}` and
	 * `eraseTransactionRecords` (dal/eraseTransactionRecords.ts) reach it.
	 */
	transaction(
		keys: ReadonlyArray<TransactionKey>,
		fn: (slots: ReadonlyArray<TransactionSlot>) => Array<defined> | undefined,
		options: RequestOptions & { attempts?: number; recordOwner?: string | number } = {},
	): Promise<TransactionResult> {
		return new Promise((resolve, reject) => {
			const owner = options.recordOwner !== undefined ? tostring(options.recordOwner) : undefined;
			const [ok, result] = pcall(() =>
				this.transactions.run(keys, fn, options.priority ?? "normal", options.attempts ?? 5, owner),
			);
			if (ok) resolve(result);
			else reject(toDataError(result));
		});
	}
}
