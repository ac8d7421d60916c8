import { HttpService } from "@rbxts/services";
import { assertServer } from "./assertServer";
import { DataAccessLayer, DataAuditEvent } from "./DataAccessLayer";
import { canonicalJson } from "./dal/Canonical";
import { AUDIT_FORMAT, AuditBatch, AuditHead, batchHashInput, GENESIS_HASH } from "./audit/AuditBatch";
import type { AuditConfig } from "./audit/AuditConfig";
import { AUDIT_LEVELS, AuditCategory, AuditEntry, AuditEvent, AuditLevel } from "./audit/AuditEntry";
import type { AuditedChange } from "./audit/AuditedChange";
import { AuditKeys, PlayerIndex, PlayerIndexRef, StreamDirectory } from "./audit/AuditKeys";
import { mergeRef, PendingIndex } from "./audit/PendingIndex";
import { addRefs, BatchPosition, unindexedBatches } from "./audit/playerBatches";
import { cleanContext, describeChange, DescribeOptions } from "./audit/describeChange";
import { describeDataAccessEvent } from "./audit/describeDataAccessEvent";
import { markIndexed, recoverStreams } from "./audit/recoverStreams";
import { AuditRecord, AuditReport, countEntry, emptyCounts, toJsonLines } from "./audit/AuditReport";
import { scanTrail } from "./audit/scanTrail";
import { cleanupRetention, RetentionResult } from "./audit/cleanupRetention";
import { parseSensitivePaths } from "./audit/redactSensitive";
import { EncodingServiceLike, sha256Hex } from "./audit/sha256Hex";
import { AuditRange, AuditVerification, verifyAuditTrail } from "./audit/verifyAuditTrail";

export type { AuditConfig } from "./audit/AuditConfig";
export type { AuditCategory, AuditEntry, AuditEvent, AuditFieldChange, AuditLevel } from "./audit/AuditEntry";
export type { AuditedChange } from "./audit/AuditedChange";
export type { AuditBatch, AuditHead } from "./audit/AuditBatch";
export type { AuditProblem, AuditProblemKind, AuditRange, AuditVerification } from "./audit/verifyAuditTrail";

/** Options of {@link AuditLogger.QueryPlayer}. */
export interface AuditQuery {
	/** Unix seconds, inclusive. */
	readonly from?: number;
	readonly to?: number;
	readonly category?: AuditCategory;
	readonly type?: string;
	/** Only entries at this level or above. */
	readonly level?: AuditLevel;
	/** Entries per page (default 100). */
	readonly limit?: number;
	/** The `next` of the previous page. */
	readonly cursor?: string;
}

export type { AuditCounts, AuditRecord, AuditReport } from "./audit/AuditReport";
export type { RetentionResult } from "./audit/cleanupRetention";

/** True when `entry` passes the query's time, category, type and level filters. */
function matchesQuery(entry: AuditEntry, query: AuditQuery): boolean {
	if (entry.time < (query.from ?? -math.huge) || entry.time > (query.to ?? math.huge)) return false;
	if (query.category !== undefined && entry.category !== query.category) return false;
	if (query.type !== undefined && entry.type !== query.type) return false;
	return AUDIT_LEVELS.indexOf(entry.level) >= AUDIT_LEVELS.indexOf(query.level ?? "debug");
}

/** One page of {@link AuditLogger.QueryPlayer}. */
export interface AuditPage {
	readonly records: ReadonlyArray<AuditRecord>;
	/** Pass as `cursor` for the next page; absent on the last page. */
	readonly next?: string;
}

/** Counters of one logger. */
export interface AuditStats {
	readonly logged: number;
	readonly dropped: number;
	readonly buffered: number;
	readonly batches: number;
	/** Batch writes attempted (a failed one counts, and its retry again). */
	readonly batchWrites: number;
	readonly indexWrites: number;
	readonly headWrites: number;
	readonly failedWrites: number;
}

const CATEGORIES = new Set<unknown>(["data", "security", "performance", "error"]);

interface Buffered {
	readonly entry: AuditEntry;
	readonly hash: string;
	/** Characters of its canonical JSON. */
	readonly size: number;
}

/** A stage of DataService's write pipeline (structurally a PipelineStage of the "audit" slot). */
export interface AuditStage {
	readonly name: string;
	readonly slot: "audit";
	readonly observe: (change: AuditedChange) => void;
}

/**
 * A batched, tamper-evident audit trail, one stream per server. Entries are buffered and written as one
 * batch per `flushInterval` (60 s) or sooner when the buffer is full, and in BindToClose. Each batch
 * carries the SHA-256 of its stream's previous batch and of each of its entries; each flush then
 * checkpoints the stream's head in a separate key. Each player's index (the batches naming them) is
 * written once their oldest unwritten ref is `indexInterval` (900 s) old, and at Close: one write per
 * player per 15 minutes instead of one per flush; the checkpoint's `indexed` watermark tells erasures and
 * reports which batches to read besides the indexes. {@link AuditLogger.VerifyAuditTrail} walks the chains
 * back from their checkpoints.
 *
 * A crash loses the buffer: at most `flushInterval` seconds of entries (or `maxBatchEntries` entries),
 * plus a batch whose write was failing. A crash between a batch write and its checkpoint leaves that
 * batch past the head, which verification reports (`batchBeyondHead`).
 *
 * Every DataStore request goes through the DataAccessLayer at "background" priority.
 *
 * @example
 * ```ts
 * const audit = new AuditLogger({ sensitivePaths: ["email"] });
 * dataService.AddStage(audit.GetStage());
 * audit.Log({ category: "security", type: "refusedPayload", level: "warning", players: [player.UserId] });
 * const page = audit.QueryPlayer(player.UserId, { from: os.time() - 3600 }).expect();
 * ```
 */
export class AuditLogger {
	private readonly dal: DataAccessLayer;
	private readonly encoding: EncodingServiceLike;
	private readonly clock: () => number;
	private readonly keys: AuditKeys;
	private readonly stream: string;
	private readonly flushInterval: number;
	private readonly maxBatchEntries: number;
	private readonly maxBatchChars: number;
	private readonly minLevel: number;
	private readonly describe: DescribeOptions;
	private readonly warnings: boolean;
	private readonly startedAt: number;
	/** DataService records an operation that took longer than this as a `slowOperation` (seconds). */
	readonly slowOperationSeconds: number;
	private readonly retentionSeconds: number;
	private readonly indexInterval: number;

	private buffer = new Array<Buffered>();
	private bufferChars = 0;
	/** The batch built and not yet written (a failed write is retried at the next flush, unchanged). */
	private pending?: { batch: AuditBatch; hash: string };
	private lastSeq = 0;
	private lastHash = GENESIS_HASH;
	private lastFlush: number;
	/** Whether the directory lists this stream (written before its first batch). */
	private listed = false;
	/** Whether a checkpoint of this stream is stored (the empty one is written before the stream is listed). */
	private checkpointed = false;
	private headDirty = false;
	/** Index refs not yet written, by player. */
	private readonly pendingIndex = new PendingIndex();
	/** The index watermark the stored checkpoint holds. */
	private headIndexed = 0;
	/** Write every player index at the next flush, due or not (RecoverStreams). */
	private forceIndexes = false;
	private timer?: thread;
	/** When `timer` fires (the logger's clock). */
	private timerAt = 0;
	private flushing = false;
	private readonly waiters = new Array<thread>();
	private closed = false;
	private readonly stats = {
		logged: 0,
		dropped: 0,
		batches: 0,
		batchWrites: 0,
		indexWrites: 0,
		headWrites: 0,
		failedWrites: 0,
	};

	/**
	 * @param config - see {@link AuditConfig}; every field is optional.
	 * @throws a plain message for a malformed field, or on a client.
	 */
	constructor(config: AuditConfig = {}) {
		assertServer("AuditLogger");
		this.dal = config.dataAccessLayer ?? new DataAccessLayer({ warnings: config.warnings });
		this.encoding = config.encodingService ?? game.GetService("EncodingService");
		this.clock = config.clock ?? (() => DateTime.now().UnixTimestampMillis / 1000);
		this.keys = new AuditKeys(config.storeName ?? "DataService.Audit");
		this.stream = config.streamId ?? HttpService.GenerateGUID(false);
		if (!typeIs(this.stream, "string") || this.stream.size() === 0 || this.stream.size() > 36) {
			error(`[AuditLogger] streamId must be a string of 1 to 36 characters, got ${typeOf(this.stream)}`, 0);
		}
		const positive = (name: string, value: number | undefined, fallback: number) => {
			if (value === undefined) return fallback;
			if (!typeIs(value, "number") || value <= 0 || value !== value) {
				error(`[AuditLogger] ${name} must be a positive number, got ${typeOf(value)} ${tostring(value)}`, 0);
			}
			return value;
		};
		this.flushInterval = positive("flushInterval", config.flushInterval, 60);
		this.indexInterval = positive("indexInterval", config.indexInterval, 900);
		this.maxBatchEntries = positive("maxBatchEntries", config.maxBatchEntries, 2000);
		this.maxBatchChars = positive("maxBatchChars", config.maxBatchChars, 1000000);
		const level = AUDIT_LEVELS.indexOf(config.minLevel ?? "info");
		if (level < 0)
			error(
				`[AuditLogger] minLevel must be one of ${AUDIT_LEVELS.join(", ")}, got ${tostring(config.minLevel)}`,
				0,
			);
		this.minLevel = level;
		const mode = config.redaction ?? "hash";
		if (mode !== "hash" && mode !== "redact") {
			error(`[AuditLogger] redaction must be "hash" or "redact", got ${typeOf(mode)} ${tostring(mode)}`, 0);
		}
		this.describe = {
			sensitive: parseSensitivePaths([
				...(config.sensitivePaths ?? []),
				...(config.fieldEncryption?.sensitivePaths() ?? []),
			]),
			mode,
			hash: (text) => this.hash(text),
			seal:
				config.fieldEncryption !== undefined
					? (player, path, value) => config.fieldEncryption!.sealValue(player, path, value)
					: undefined,
			maxEntryChars: positive("maxEntryChars", config.maxEntryChars, 20000),
		};
		this.warnings = config.warnings ?? true;
		this.retentionSeconds = positive("retentionSeconds", config.retentionSeconds, 90 * 86400);
		this.slowOperationSeconds = positive("slowOperationSeconds", config.slowOperationSeconds, 10);
		this.startedAt = this.clock();
		this.lastFlush = this.startedAt;
		if (config.bindToClose !== false)
			game.BindToClose(() => {
				this.Close().await();
			});
	}

	private hash(text: string): string {
		return sha256Hex(this.encoding, text);
	}

	private warn(message: string): void {
		if (this.warnings) warn(`[AuditLogger] ${message}`);
	}

	/** This server's stream id (the `<stream>` of its batch keys). */
	GetStreamId(): string {
		return this.stream;
	}

	/** Counters: entries logged and dropped, what is buffered, writes by kind. */
	GetStats(): AuditStats {
		return { ...this.stats, buffered: this.buffer.size() };
	}

	/**
	 * Records a security, performance or error event (or a data event not made by the pipeline). Never
	 * yields: the entry is buffered.
	 * @example
	 * ```ts
	 * audit.Log({ category: "performance", type: "slowSave", level: "warning", players: [id], context: { seconds: 12 } });
	 * ```
	 */
	Log(event: AuditEvent): void {
		if (!CATEGORIES.has(event.category)) {
			error(
				`[AuditLogger] category must be data, security, performance or error, got ${typeOf(event.category)} ${tostring(event.category)}`,
				0,
			);
		}
		if (!typeIs(event.type, "string")) error(`[AuditLogger] type must be a string, got ${typeOf(event.type)}`, 0);
		const level = event.level ?? "info";
		if (AUDIT_LEVELS.indexOf(level) < 0)
			error(`[AuditLogger] level must be one of ${AUDIT_LEVELS.join(", ")}, got ${tostring(level)}`, 0);
		if (AUDIT_LEVELS.indexOf(level) < this.minLevel) {
			this.stats.dropped += 1;
			return;
		}
		this.append({
			time: this.clock(),
			category: event.category,
			type: event.type,
			level,
			players: [...(event.players ?? [])],
			context: event.context !== undefined ? cleanContext(event.context, this.describe) : undefined,
			message: event.message,
		});
	}

	/**
	 * Records a security event: what an access-control check denied or granted, a refused client payload,
	 * a session taken over. Never yields.
	 * @param eventType - what happened ("accessDenied", "refusedPayload", "sessionSteal", ...).
	 * @param players - the UserIds it concerns (their index keys list it).
	 * @param context - scalars or short tables (`{ action: "ban", by: 123 }`); sensitive keys concealed.
	 * @param level - default "warning".
	 * @example
	 * ```ts
	 * audit.LogSecurityEvent("accessDenied", [player.UserId], { action: "ViewPlayerData", target: 42 });
	 * ```
	 */
	LogSecurityEvent(
		eventType: string,
		players: ReadonlyArray<number>,
		context?: Readonly<Record<string, unknown>>,
		level: AuditLevel = "warning",
	): void {
		this.Log({ category: "security", type: eventType, level, players, context });
	}

	/**
	 * The DataAccessLayer's `audit` hook (DataAccessLayerConfig.audit): conflicts, throttling waits, retries
	 * and transactions become entries (see describeDataAccessEvent). DataService wires it into the layer it
	 * builds; pass it yourself to a layer you build.
	 * @example
	 * ```ts
	 * const hook = { audit: undefined as AuditLogger | undefined };
	 * const dal = new DataAccessLayer({ audit: (event) => hook.audit?.GetDataAccessHook()(event) });
	 * hook.audit = new AuditLogger({ dataAccessLayer: dal });
	 * ```
	 */
	GetDataAccessHook(): (event: DataAuditEvent) => void {
		return (event) => this.Log(describeDataAccessEvent(event));
	}

	/** Records one write-pipeline change (what the stage calls). Never yields. */
	LogChange(change: AuditedChange): void {
		if (AUDIT_LEVELS.indexOf("info") < this.minLevel) {
			this.stats.dropped += 1;
			return;
		}
		this.append(describeChange(change, this.clock(), this.describe));
	}

	/**
	 * The stage to add to DataService's write pipeline: it observes every written change.
	 * @example
	 * ```ts
	 * dataService.AddStage(audit.GetStage());
	 * ```
	 */
	GetStage(): AuditStage {
		return { name: "AuditLogger", slot: "audit", observe: (change) => this.LogChange(change) };
	}

	private append(entry: AuditEntry): void {
		let encoded: string;
		const [ok, result] = pcall(() => canonicalJson(entry));
		if (ok) encoded = result as string;
		else {
			// Only a game's own Log call can get here (an unstorable message or type): keep that it happened.
			entry = {
				time: entry.time,
				category: "error",
				type: "unstorableEntry",
				level: "error",
				players: [...entry.players],
			};
			encoded = canonicalJson(entry);
		}
		this.buffer.push({ entry, hash: this.hash(encoded), size: encoded.size() });
		this.bufferChars += encoded.size();
		this.stats.logged += 1;
		if (this.isFull()) {
			this.cancelTimer();
			task.spawn(() => this.flushNow("full"));
		} else if (!this.flushing) {
			// While a flush runs, it schedules the next one when it ends (the interval counts from there).
			this.schedule(this.closed ? this.clock() : this.lastFlush + this.flushInterval);
		}
	}

	/** A timed flush at `at` (the logger's clock), unless one is already due by then. */
	private schedule(at: number): void {
		if (this.timer !== undefined && this.timerAt <= at) return;
		this.cancelTimer();
		this.timerAt = at;
		this.timer = task.delay(math.max(0, at - this.clock()), () => {
			this.timer = undefined;
			this.flushNow("timed");
		});
	}

	/** A full batch is waiting: flush without waiting for the interval. */
	private isFull(): boolean {
		return this.buffer.size() >= this.maxBatchEntries || this.bufferChars >= this.maxBatchChars;
	}

	private cancelTimer(): void {
		if (this.timer !== undefined) {
			task.cancel(this.timer);
			this.timer = undefined;
		}
	}

	/**
	 * Writes everything buffered now (and whatever an earlier failed flush left). Resolves once written;
	 * rejects with `{ kind: "FlushFailed", message }` when a write failed (the batch is kept and retried).
	 */
	Flush(): Promise<void> {
		return new Promise((resolve, reject) => {
			this.cancelTimer();
			if (this.flushNow("all")) resolve();
			else
				reject({
					kind: "FlushFailed",
					message: `audit stream ${this.stream}: a write failed, kept for the next flush`,
				});
		});
	}

	/**
	 * Flushes and checkpoints; entries logged afterwards are flushed at once. What BindToClose runs.
	 */
	Close(): Promise<void> {
		this.closed = true;
		return this.Flush();
	}

	/**
	 * One flush at a time, each writing at most one batch: "all" until the buffer is empty (Flush, Close),
	 * "timed" what was buffered when it started plus full batches, "full" only full batches (a size
	 * trigger an earlier flush may already have served). True when nothing it meant to write is left.
	 */
	private flushNow(mode: "all" | "timed" | "full"): boolean {
		while (this.flushing) {
			this.waiters.push(coroutine.running());
			coroutine.yield();
		}
		this.flushing = true;
		const [ok, result] = pcall(() => {
			let done = mode !== "full" || this.isFull() || this.pending !== undefined ? this.flushOnce() : true;
			while (done && this.buffer.size() > 0 && (mode === "all" || this.isFull())) done = this.flushOnce();
			// The interval counts from the end of the flush, so batch writes land at least that far apart.
			this.lastFlush = this.clock();
			return done;
		});
		this.flushing = false;
		const waiting = [...this.waiters];
		this.waiters.clear();
		for (const thread of waiting) task.spawn(thread);
		if (!ok) this.warn(`flush of stream ${this.stream} failed: ${tostring(result)}`);
		const now = this.clock();
		if (this.buffer.size() > 0) this.schedule(this.closed ? now : now + this.flushInterval);
		// Index refs fall due even when nothing more is logged; after a failed write, retry an interval later.
		const due = this.pendingIndex.nextDue(this.indexInterval);
		if (due !== undefined) this.schedule(ok && result === true ? math.max(due, now) : now + this.flushInterval);
		return ok && (result as boolean);
	}

	private flushOnce(): boolean {
		if (this.pending === undefined && this.buffer.size() > 0) this.pending = this.seal();
		// Before its first batch the stream is checkpointed empty, then listed: a crash at any point leaves no
		// batch the directory does not lead to (recovery, player indexes and erasure all start from it; a
		// batch written before its stream was listed stayed stored and out of their reach) and no listed stream
		// without a checkpoint (which verification reports, as it would a deleted one).
		if (this.pending !== undefined && !this.listed) {
			if (!this.checkpointed && !this.writeHead()) return false;
			this.listed = this.writeDirectory();
			if (!this.listed) return false;
		}
		let done = true;
		if (this.pending !== undefined) {
			const { batch, hash } = this.pending;
			const [written, err] = this.dal
				.write(this.keys.batch(this.stream, batch.seq), batch, { priority: "background" })
				.await();
			this.stats.batchWrites += 1;
			if (written) {
				this.pending = undefined;
				this.stats.batches += 1;
				this.lastSeq = batch.seq;
				this.lastHash = hash;
				this.headDirty = true;
				this.indexBatch(batch);
			} else {
				this.stats.failedWrites += 1;
				this.warn(
					`batch ${batch.seq} of stream ${this.stream} not written: ${tostring((err as { message?: string }).message ?? err)}`,
				);
				done = false;
			}
		}
		// The checkpoint before the indexes: it is what makes the batch part of the verified trail.
		if (this.headDirty) this.headDirty = !this.writeHead();
		done = this.writeIndexes(this.closed || this.forceIndexes) && done;
		// Closing: move the checkpoint's watermark over what was just indexed (one more write per stream).
		if (this.closed && this.lastSeq > 0 && this.watermark() > this.headIndexed) this.headDirty = !this.writeHead();
		return done && !this.headDirty;
	}

	/** Turns the oldest buffered entries, up to a full batch, into the next batch of the chain. */
	private seal(): { batch: AuditBatch; hash: string } {
		let count = 0;
		let chars = 0;
		while (
			count < this.buffer.size() &&
			(count === 0 || (count < this.maxBatchEntries && chars + this.buffer[count].size <= this.maxBatchChars))
		) {
			chars += this.buffer[count].size;
			count += 1;
		}
		const taken = this.buffer.move(0, count - 1, 0, []);
		this.buffer = this.buffer.move(count, this.buffer.size() - 1, 0, []);
		this.bufferChars -= chars;
		const batch: AuditBatch = {
			format: AUDIT_FORMAT,
			stream: this.stream,
			seq: this.lastSeq + 1,
			time: this.clock(),
			previous: this.lastHash,
			hashes: taken.map((b) => b.hash),
			entries: taken.map((b) => b.entry),
		};
		return { batch, hash: this.hash(batchHashInput(batch)) };
	}

	private indexBatch(batch: AuditBatch): void {
		this.pendingIndex.add(batch, this.clock());
	}

	/** Every batch of this stream up to it is in every player index it belongs to. */
	private watermark(): number {
		const low = this.pendingIndex.lowestSeq(this.stream);
		return low !== undefined ? math.min(low - 1, this.lastSeq) : this.lastSeq;
	}

	/**
	 * One UpdateAsync per player whose refs are `indexInterval` old (every player when `force`), all in flight
	 * at once (the layer paces them): a player active all hour costs 3600 / indexInterval writes, not 60.
	 */
	private writeIndexes(force: boolean): boolean {
		const writes = this.pendingIndex.due(this.clock(), this.indexInterval, force).map(({ player, refs }) => {
			this.stats.indexWrites += 1;
			const write = this.dal.update<PlayerIndex>(
				this.keys.player(player),
				(index) => {
					// Refs to batches past retention go as the index is touched (their batches are deleted).
					const oldest = this.clock() - this.retentionSeconds;
					const list = (index?.refs ?? []).filter((r) => r.to >= oldest);
					// Merging: a retry after a write that failed but landed lists no batch twice.
					for (const ref of refs) mergeRef(list, ref);
					return { refs: list };
				},
				{ priority: "background" },
			);
			return { player, refs, write };
		});
		let done = true;
		for (const { player, refs, write } of writes) {
			const [ok] = write.await();
			if (ok) this.pendingIndex.confirm(player, refs, this.clock());
			else {
				this.stats.failedWrites += 1;
				done = false;
			}
		}
		return done;
	}

	private writeHead(): boolean {
		const indexed = this.watermark();
		const head: AuditHead = {
			format: AUDIT_FORMAT,
			stream: this.stream,
			seq: this.lastSeq,
			hash: this.lastHash,
			time: this.clock(),
			indexed,
		};
		const [ok] = this.dal.write(this.keys.head(this.stream), head, { priority: "background" }).await();
		this.stats.headWrites += 1;
		if (ok) {
			this.headIndexed = indexed;
			this.checkpointed = true;
		} else this.stats.failedWrites += 1;
		return ok;
	}

	private writeDirectory(): boolean {
		const [ok] = this.dal
			.update<StreamDirectory>(
				this.keys.directory(),
				(directory) => {
					const copy = { ...(directory ?? {}) };
					copy[this.stream] = this.startedAt;
					return copy;
				},
				{ priority: "background" },
			)
			.await();
		if (!ok) this.stats.failedWrites += 1;
		return ok;
	}

	/**
	 * Checks every stream live within `range` from its checkpoint back (see {@link AuditVerification}):
	 * any deleted, edited, reordered or inserted batch or entry is reported. Entries still buffered are not
	 * part of the trail yet: Flush first.
	 * @example
	 * ```ts
	 * const { ok, problems } = audit.VerifyAuditTrail({ from: os.time() - 86400 }).expect();
	 * ```
	 */
	VerifyAuditTrail(range: AuditRange = {}): Promise<AuditVerification> {
		return new Promise((resolve) => resolve(verifyAuditTrail(this.dal, this.keys, (t) => this.hash(t), range)));
	}

	/**
	 * Finishes the flushes crashed servers left half done: a batch written past its stream's checkpoint
	 * (the server died before checkpointing it) is checkpointed and indexed, so the trail verifies again and
	 * its entries are found. Streams whose checkpoint moved within `quietSeconds` (default three flush
	 * intervals) are left to their own server. Each recovered batch is recorded as a `streamRecovered`
	 * security entry (stream, seq, hash). Run it before verifying, and with retention cleanup.
	 * @returns how many batches were recovered, from how many streams.
	 * @example
	 * ```ts
	 * audit.RecoverStreams().expect();
	 * const { ok } = audit.VerifyAuditTrail().expect();
	 * ```
	 */
	RecoverStreams(quietSeconds = 3 * this.flushInterval): Promise<{ streams: number; batches: number }> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const { recovered, unindexed } = recoverStreams(
					this.dal,
					this.keys,
					(t) => this.hash(t),
					this.stream,
					this.clock(),
					quietSeconds,
				);
				const streams = new Set<string>();
				for (const { batch } of recovered) {
					streams.add(batch.stream);
					this.LogSecurityEvent(
						"streamRecovered",
						[],
						{ stream: batch.stream, seq: batch.seq, hash: this.hash(batchHashInput(batch)) },
						"warning",
					);
				}
				// The dead servers' unwritten player indexes: written now, then their watermarks moved.
				for (const { batches } of unindexed) for (const batch of batches) this.indexBatch(batch);
				if (recovered.size() > 0 || unindexed.size() > 0) {
					this.forceIndexes = true;
					const [flushed] = this.Flush().await();
					this.forceIndexes = false;
					if (!flushed) throw `audit stream ${this.stream}: writing the recovered indexes failed`;
					for (const { stream, through } of unindexed) markIndexed(this.dal, this.keys, stream, through);
				}
				return { streams: streams.size(), batches: recovered.size() };
			});
			if (ok) resolve(result);
			else reject(result);
		});
	}

	/**
	 * The batches that may hold entries naming `userId`, each once, in order: those their index lists, those
	 * this server has not indexed yet, and with `complete` every stream's unindexed tail (other servers write
	 * a player's index every `indexInterval`; see unindexedBatches).
	 */
	private playerBatches(userId: number, range: AuditRange, complete: boolean): Array<BatchPosition> {
		const from = range.from ?? -math.huge;
		const to = range.to ?? math.huge;
		const inRange = (r: PlayerIndexRef) => r.to >= from && r.from <= to;
		const index = this.dal
			.read<PlayerIndex>(this.keys.player(userId), { priority: "background", useCache: false })
			.expect()?.data;
		const seen = new Set<string>();
		const out = new Array<BatchPosition>();
		addRefs((index?.refs ?? []).filter(inRange), seen, out);
		addRefs(this.pendingIndex.forPlayer(userId).filter(inRange), seen, out);
		if (complete) {
			for (const position of unindexedBatches(this.dal, this.keys)) {
				const id = `${position.stream}/${position.seq}`;
				if (seen.has(id)) continue;
				seen.add(id);
				out.push(position);
			}
		}
		return out;
	}

	/** Reads `positions` from `start` ([position, entry]) for up to `limit` entries naming `userId` that match. */
	private readPlayerRecords(
		userId: number,
		positions: ReadonlyArray<BatchPosition>,
		query: AuditQuery,
		limit: number,
		start: [number, number],
	): AuditPage {
		const records = new Array<AuditRecord>();
		for (let r = start[0]; r < positions.size(); r++) {
			const { stream, seq } = positions[r];
			const batch = this.dal
				.read<AuditBatch>(this.keys.batch(stream, seq), { priority: "background", useCache: false })
				.expect()?.data;
			if (batch === undefined) continue;
			for (let e = r === start[0] ? start[1] : 0; e < batch.entries.size(); e++) {
				if (records.size() >= limit) return { records, next: `${r}:${e}` };
				const entry = batch.entries[e];
				if (!entry.players.includes(userId) || !matchesQuery(entry, query)) continue;
				records.push({ stream, seq, index: e + 1, entry });
			}
		}
		return { records };
	}

	/**
	 * Right to erasure for the audit trail: flushes, then replaces every stored entry naming the player (found
	 * from their index, this server's unwritten refs and every stream's unindexed tail)
	 * with its erased form (time, category, type, level and `erased` only; an entry naming two players, a
	 * trade, loses its content for both), removes the player's index key, and records the erasure as a
	 * security entry that does not name the player (a hash of a user id would be reversed by trying every
	 * id): it carries the counts and the game's `requestId`. Entry hashes were taken before, so the trail
	 * still verifies. Profiles, backups and inboxes are erased by their own modules.
	 * @returns how many entries and batches were rewritten.
	 * @example
	 * ```ts
	 * const { entries } = audit.ErasePlayer(userId, "ticket-1234").expect();
	 * ```
	 */
	ErasePlayer(userId: number, requestId?: string): Promise<{ entries: number; batches: number }> {
		return new Promise((resolve, reject) => {
			if (!typeIs(userId, "number") || userId % 1 !== 0) {
				return reject({
					kind: "InvalidArgument",
					message: `userId must be a whole number, got ${typeOf(userId)} ${tostring(userId)}`,
				});
			}
			const [ok, result] = pcall(() => {
				this.Flush().expect();
				const options = { priority: "background" as const };
				let entries = 0;
				let batches = 0;
				for (const position of this.playerBatches(userId, {}, true)) {
					let erasedHere = 0;
					this.dal
						.update<AuditBatch>(
							this.keys.batch(position.stream, position.seq),
							(batch) => {
								if (batch === undefined) return undefined;
								erasedHere = 0;
								const kept = batch.entries.map((entry): AuditEntry => {
									if (entry.erased === true || !entry.players.includes(userId)) return entry;
									erasedHere += 1;
									return {
										time: entry.time,
										category: entry.category,
										type: entry.type,
										level: entry.level,
										players: [],
										erased: true,
									};
								});
								return erasedHere > 0 ? { ...batch, entries: kept } : undefined;
							},
							options,
						)
						.expect();
					entries += erasedHere;
					if (erasedHere > 0) batches += 1;
				}
				this.dal.remove(this.keys.player(userId), options).expect();
				// Its unwritten refs would write the key again.
				this.pendingIndex.drop(userId);
				this.Log({
					category: "security",
					type: "erasure",
					level: "warning",
					context: { request: requestId, entries, batches },
				});
				this.Flush().expect();
				return { entries, batches };
			});
			if (ok) resolve(result);
			else reject(result);
		});
	}

	/**
	 * One page of a player's entries, from their index key (batches in the order it lists them, oldest
	 * first per stream) and this server's refs not written yet: one read for the index and one per batch the
	 * page spans. Only flushed entries are found, and those another server flushed reach the index within its
	 * `indexInterval` (at its Close at the latest); PlayerReport and ErasePlayer also read every stream's
	 * unindexed tail. A cursor is a position in that list: an index written between two pages may shift it.
	 * @example
	 * ```ts
	 * let page = audit.QueryPlayer(id, { limit: 50 }).expect();
	 * while (page.next !== undefined) page = audit.QueryPlayer(id, { limit: 50, cursor: page.next }).expect();
	 * ```
	 */
	QueryPlayer(userId: number, query: AuditQuery = {}): Promise<AuditPage> {
		return new Promise((resolve, reject) => {
			if (!typeIs(userId, "number") || userId % 1 !== 0) {
				return reject({
					kind: "InvalidArgument",
					message: `userId must be a whole number, got ${typeOf(userId)}`,
				});
			}
			const limit = query.limit ?? 100;
			if (!typeIs(limit, "number") || limit < 1) {
				return reject({
					kind: "InvalidArgument",
					message: `limit must be a positive number, got ${typeOf(limit)} ${tostring(limit)}`,
				});
			}
			const from = query.from ?? -math.huge;
			const to = query.to ?? math.huge;
			let [refStart, entryStart] = [0, 0];
			if (query.cursor !== undefined) {
				const [r, e] = string.match(query.cursor, "^(%d+):(%d+)$");
				if (r === undefined || e === undefined) {
					return reject({
						kind: "InvalidArgument",
						message: `cursor must be a cursor a page returned, got ${typeOf(query.cursor)} ${tostring(query.cursor)}`,
					});
				}
				[refStart, entryStart] = [tonumber(r)!, tonumber(e)!];
			}
			const [ok, result] = pcall(() =>
				this.readPlayerRecords(userId, this.playerBatches(userId, { from, to }, false), query, limit, [
					refStart,
					entryStart,
				]),
			);
			if (ok) resolve(result as AuditPage);
			else reject(result);
		});
	}

	/**
	 * One page of the entries of every stream within a time range (any player, or none: erasures,
	 * recoveries), filtered by category, type and level: newest batch first, streams in id order. Reads the
	 * directory, each stream's checkpoint and each batch back to `from`: give a range.
	 * @example
	 * ```ts
	 * const page = audit.QueryRange({ from: os.time() - 3600, category: "security", limit: 50 }).expect();
	 * ```
	 */
	QueryRange(query: AuditQuery = {}): Promise<AuditPage> {
		return new Promise((resolve, reject) => {
			const limit = query.limit ?? 100;
			if (!typeIs(limit, "number") || limit < 1) {
				return reject({
					kind: "InvalidArgument",
					message: `limit must be a positive number, got ${typeOf(limit)} ${tostring(limit)}`,
				});
			}
			let start = { stream: 0, seq: undefined as number | undefined, entry: 0 };
			if (query.cursor !== undefined) {
				const [a, b, c] = string.match(query.cursor, "^(%d+):(%d+):(%d+)$");
				if (a === undefined || b === undefined || c === undefined) {
					return reject({
						kind: "InvalidArgument",
						message: `cursor must be a cursor a page returned, got ${typeOf(query.cursor)} ${tostring(query.cursor)}`,
					});
				}
				start = { stream: tonumber(a)!, seq: tonumber(b)!, entry: tonumber(c)! };
			}
			const [ok, result] = pcall(() => {
				const records = new Array<AuditRecord>();
				let resumeAt: string | undefined;
				let first = true;
				const stop = scanTrail(
					this.dal,
					this.keys,
					query,
					(stream, batch) => {
						const from = first && query.cursor !== undefined ? start.entry : 0;
						first = false;
						for (let e = from; e < batch.entries.size(); e++) {
							if (records.size() >= limit) {
								resumeAt = `${e}`;
								return false;
							}
							const entry = batch.entries[e];
							if (matchesQuery(entry, query))
								records.push({ stream, seq: batch.seq, index: e + 1, entry });
						}
						return true;
					},
					{ stream: start.stream, seq: start.seq },
				);
				const cursor =
					stop !== undefined && resumeAt !== undefined ? `${stop.stream}:${stop.seq}:${resumeAt}` : undefined;
				return { records, next: cursor };
			});
			if (ok) resolve(result as AuditPage);
			else reject(result);
		});
	}

	/**
	 * Everything the trail records about a player (a subject access request): every entry naming them, the
	 * counts by category, level and type, and their security events. Flushes first, so nothing buffered is
	 * left out, and reads every stream's unindexed tail besides the index (see unindexedBatches).
	 * @example
	 * ```ts
	 * const report = audit.PlayerReport(userId).expect();
	 * print(report.byCategory.security, audit.ExportJsonLines(report.records!));
	 * ```
	 */
	PlayerReport(userId: number): Promise<AuditReport> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				this.Flush().await();
				const counts = emptyCounts();
				const { records } = this.readPlayerRecords(
					userId,
					this.playerBatches(userId, {}, true),
					{},
					math.huge,
					[0, 0],
				);
				for (const r of records) countEntry(counts, r.entry);
				const batches = new Set(records.map((r) => `${r.stream}/${r.seq}`));
				return {
					...counts,
					userId,
					generatedAt: this.clock(),
					securityEvents: records.filter((r) => r.entry.category === "security"),
					records,
					batchesRead: batches.size(),
				} as AuditReport;
			});
			if (ok) resolve(result);
			else reject(result);
		});
	}

	/**
	 * The counts of everything recorded within a period, by category, level and type, with its security
	 * events (the first `maxSecurityEvents`, default 1,000): a compliance summary for the period.
	 * @example
	 * ```ts
	 * const week = audit.PeriodReport({ from: os.time() - 7 * 86400 }).expect();
	 * print(week.byCategory.security, week.byType["security:accessDenied"]);
	 * ```
	 */
	PeriodReport(range: AuditRange, maxSecurityEvents = 1000): Promise<AuditReport> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const counts = emptyCounts();
				const securityEvents = new Array<AuditRecord>();
				let batchesRead = 0;
				scanTrail(this.dal, this.keys, range, (stream, batch) => {
					batchesRead += 1;
					batch.entries.forEach((entry, e) => {
						if (!matchesQuery(entry, range)) return;
						countEntry(counts, entry);
						if (entry.category === "security" && securityEvents.size() < maxSecurityEvents) {
							securityEvents.push({ stream, seq: batch.seq, index: e + 1, entry });
						}
					});
					return true;
				});
				return {
					...counts,
					from: range.from,
					to: range.to,
					generatedAt: this.clock(),
					securityEvents,
					batchesRead,
				} as AuditReport;
			});
			if (ok) resolve(result);
			else reject(result);
		});
	}

	/**
	 * Records as JSON lines (one canonical JSON object per line: the entry's fields plus `stream`, `seq` and
	 * `index`), the export format for regulators and warehouses.
	 * @example
	 * ```ts
	 * const lines = audit.ExportJsonLines(audit.PlayerReport(userId).expect().records!);
	 * ```
	 */
	ExportJsonLines(records: ReadonlyArray<AuditRecord>): string {
		return toJsonLines(records);
	}

	/**
	 * Deletes the streams whose last flush is older than `retentionSeconds` (default 90 days), spending at
	 * most `maxRequests` DataStore requests, all at background priority (see cleanupRetention); call it
	 * again while `done` is false, for example once an hour from one server. Each deleted stream is recorded
	 * as a `retentionCleanup` security entry with its checkpoint's hash. Player index refs to deleted batches
	 * go when the index is next written.
	 * @example
	 * ```ts
	 * while (!audit.CleanupRetention(100).expect().done) task.wait(60);
	 * ```
	 */
	CleanupRetention(maxRequests = 200): Promise<RetentionResult> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				const outcome = cleanupRetention(
					this.dal,
					this.keys,
					this.stream,
					this.clock() - this.retentionSeconds,
					maxRequests,
					(head) =>
						this.LogSecurityEvent(
							"retentionCleanup",
							[],
							{ stream: head.stream, seq: head.seq, hash: head.hash },
							"info",
						),
				);
				if (outcome.streams > 0 || outcome.batches > 0) this.Flush().await();
				return outcome;
			});
			if (ok) resolve(result);
			else reject(result);
		});
	}
}
