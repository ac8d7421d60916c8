import { assertServer } from "./assertServer";
import { BackupCodec, EncodingLike, SealedPayload } from "./backup/BackupCodec";
import { asRing, BackupEntry, BackupKind, BackupRing, emptyRing } from "./backup/BackupRing";
import { BackupStatistics, newBackupStatistics } from "./backup/BackupStatistics";
import { BackupCopy, Fallback, pickVerified, RingRead } from "./backup/pickVerified";
import { readRingAtTime } from "./backup/readRingAtTime";
import { applyRetention, checkTiers, DEFAULT_RETENTION, RetentionTier } from "./backup/Retention";
import { DataAccessLayer, DataError } from "./DataAccessLayer";
import { canonicalJson } from "./dal/Canonical";
import type { KeyRef } from "./dal/KeyRef";
import { deepCopy } from "shared/protocol/deepCopy";
import { diffValue, PatchOp } from "shared/protocol/Patch";

export type { BackupKind } from "./backup/BackupRing";
export type { BackupStatistics } from "./backup/BackupStatistics";
export type { EncodingLike } from "./backup/BackupCodec";
export type { BackupCopy, Fallback } from "./backup/pickVerified";
export type { RetentionTier } from "./backup/Retention";
export { DEFAULT_RETENTION } from "./backup/Retention";

/**
 * Where a restore is applied. DataService provides one that replaces a held player's data through its
 * write pipeline as a `restore` change (whose backup stage takes a pre-restore backup under the lock).
 */
export interface RestoreTarget {
	/** A copy of the player's current data, or undefined when this server does not hold the player. */
	current(playerId: number): object | undefined;
	/** Replaces a held player's data (yields; throws a typed error when refused or no longer held). */
	replace(playerId: number, data: object, context: { source: "restore"; backupId: string; time: number }): void;
	/**
	 * Takes a player this server does not hold under its session lock (yields; throws when it cannot), for
	 * an offline restore; {@link release} follows whatever happens. Without it, only held players restore.
	 */
	acquire?(playerId: number): void;
	/** Saves and releases a player {@link acquire} took. */
	release?(playerId: number): void;
	/**
	 * Replaces several held players' data all or nothing (yields; throws a typed error when refused, and then
	 * changed nobody): {@link BackupManager.RestorePlayers} needs it. DataService commits the players'
	 * snapshots in one DataAccessLayer transaction before changing any profile, so a crash at any moment
	 * leaves every player restored or none.
	 */
	replaceAll?(
		restores: ReadonlyArray<{ readonly playerId: number; readonly data: object; readonly backupId: string }>,
		context: { source: "restore"; time: number },
	): void;
}

/** Configuration of a {@link BackupManager}; every field is optional. */
export interface BackupManagerConfig {
	/** Every request goes through it (default: a new DataAccessLayer). */
	readonly dataAccessLayer?: DataAccessLayer;
	/** SHA-256, Zstd and Base64 (default: the EncodingService). */
	readonly encoding?: EncodingLike;
	/** DataStore of the first copy (default "DataService.Backups"). */
	readonly primaryStore?: string;
	/** DataStore of the second copy, a different name (default "DataService.Backups.Secondary"). */
	readonly secondaryStore?: string;
	/** Seconds between automatic backups (default 300). */
	readonly interval?: number;
	/** Retention tiers (default {@link DEFAULT_RETENTION}). */
	readonly retention?: ReadonlyArray<RetentionTier>;
	/**
	 * Most characters a ring may take; the oldest backups are dropped past it (default 3,900,000: under
	 * the 4,194,304-character DataStore limit with room for the DataAccessLayer's envelope).
	 */
	readonly maxRingCharacters?: number;
	/** Unix seconds (default: the DataAccessLayer's clock). */
	readonly clock?: () => number;
	/** Where restores are applied (DataService sets it); without one, only dry runs work. */
	readonly target?: RestoreTarget;
	/**
	 * Seals the sensitive fields of each backup and opens them on restore (a FieldEncryption): erasing a
	 * player's key then leaves their backed-up sensitive fields unreadable too.
	 */
	readonly fieldEncryption?: {
		sealData(this: unknown, playerId: number, data: object): object;
		openData(this: unknown, playerId: number, data: object): { data: object };
	};
	/** Print warnings (default true). */
	readonly warnings?: boolean;
	/**
	 * How automatic backups reach the two stores (default "staggered"). `staggered`: each pass makes ONE
	 * UpdateAsync per changed player, to the two stores in turn, and that write also carries the backups the
	 * other store got and this one lacks: every backup is in both copies one pass later, at one write per
	 * active player per interval (an idle player with a copy still owed gets one last write). A player who
	 * left gets one last write, and the second copy of that last backup is skipped: it holds the state their
	 * profile was released with (`finalCopiesSkipped`), every earlier backup is in both stores. `both`: every
	 * automatic backup writes both stores at once (two writes per player per interval). Manual, pre-update and
	 * emergency backups always write both stores at once.
	 */
	readonly automaticCopies?: "staggered" | "both";
}

/** Kinds of {@link BackupError}. */
export type BackupErrorKind = "InvalidArgument" | "BackupFailed" | "NoVerifiedBackup" | "NotHeld" | "RestoreFailed";

/** How a BackupManager Promise rejects. */
export interface BackupError {
	readonly kind: BackupErrorKind;
	readonly message: string;
	/** For NoVerifiedBackup: every copy tried and why it was refused. */
	readonly fallbacks?: ReadonlyArray<Fallback>;
}

/** A backup that was written. */
export interface BackupResult {
	readonly id: string;
	readonly time: number;
	readonly kind: BackupKind;
	/** Copies written: 2, or 1 when one store failed (counted in `copyFailures`). Manual backups write both. */
	readonly copies: number;
	/** Compressed size (Base64 characters) of one copy. */
	readonly bytes: number;
	/** Size of the data's JSON. */
	readonly rawBytes: number;
}

/** Options of {@link BackupManager.RestorePlayer}. */
export interface RestoreOptions {
	/** Only report what would change (default false). */
	readonly dryRun?: boolean;
	/**
	 * Top-level fields whose current values survive the rollback (what was bought after `time`, receipts);
	 * the rest comes from the backup.
	 */
	readonly keep?: ReadonlyArray<string>;
	/**
	 * Restore a player this server does not hold by taking their session lock first (through the target's
	 * `acquire`, then `release`); a player held by another server is released by it first (default false).
	 */
	readonly offline?: boolean;
}

/** What a restore did (or, for a dry run, would do). */
export interface RestoreResult {
	readonly applied: boolean;
	readonly backup: { readonly id: string; readonly time: number; readonly kind: BackupKind; readonly label?: string };
	/** The copy the data came from. */
	readonly copy: BackupCopy;
	/**
	 * `ring`: the live ring; `version`: a DataStore version of the ring (the time was older than what the
	 * live ring keeps at the interval's resolution, or the live ring had no verified backup at or before it).
	 */
	readonly source: "ring" | "version";
	/** Copies skipped before it, in order (empty when the newest primary copy verified). */
	readonly fallbacks: ReadonlyArray<Fallback>;
	/** From the current data to the restored data; undefined when this server does not hold the player. */
	readonly diff?: ReadonlyArray<PatchOp>;
	/** The restored data (a copy). */
	readonly data: unknown;
}

/** What {@link BackupManager.RestorePlayers} did (or, for a dry run, would do): one result per player. */
export interface MultiRestoreResult {
	readonly applied: boolean;
	readonly players: ReadonlyArray<RestoreResult & { readonly playerId: number }>;
}

/** Statistics plus the measured recovery point. */
export interface BackupReport extends BackupStatistics {
	/**
	 * Seconds since the newest backup of the tracked player whose newest backup is oldest (a player
	 * changed but never backed up counts from their first change); undefined when no player is tracked.
	 * A player is tracked from their first change until a pass finds them backed up and no longer held.
	 */
	readonly recoveryPoint?: number;
	readonly trackedPlayers: number;
}

interface Tracked {
	data: object;
	/** Bumped by every change; a backup clears `dirty` only if no change came after the data it took. */
	seq: number;
	dirty: boolean;
	firstChange: number;
	lastBackup?: number;
	/** The id of that newest backup. */
	lastBackupId?: string;
	/**
	 * Backups one store lacks because a staggered pass wrote them to the other one (newest last, at most
	 * {@link MAX_OWED}); the next write to that store carries them. Lost with the server: a crash leaves its
	 * newest backups in one copy.
	 */
	owed: Map<string, Array<BackupEntry>>;
	/** The store the next staggered write goes to when neither store is owed a copy. */
	nextStore: 0 | 1;
	/** The store whose last staggered write failed: the next pass writes the other one. */
	avoid?: 0 | 1;
}

/** True when a store still lacks a backup the other one got. */
function owes(tracked: Tracked): boolean {
	for (const [, entries] of tracked.owed) if (entries.size() > 0) return true;
	return false;
}

/** Backups a store may be owed before the oldest is given up on (a store down for an hour of passes). */
const MAX_OWED = 12;

function backupError(kind: BackupErrorKind, message: string, fallbacks?: ReadonlyArray<Fallback>): BackupError {
	return { kind, message, fallbacks };
}

function isBackupError(value: unknown): value is BackupError {
	return typeIs(value, "table") && typeIs((value as BackupError).kind, "string");
}

function messageOf(err: unknown): string {
	if (typeIs(err, "table") && typeIs((err as DataError).message, "string")) {
		const e = err as DataError;
		return `${e.kind}: ${e.message}`;
	}
	return tostring(err);
}

/**
 * Verified backups of player data with point-in-time restore.
 *
 * Storage: one key per player (`<playerId>`) in two DataStores of different names, each holding a ring of
 * Zstd-compressed snapshots with their SHA-256; retention tiers are applied in the same UpdateAsync that
 * adds a backup, so cleanup costs no extra request. Automatic backups run every `interval` seconds for
 * players whose data changed since their last backup, and never for idle ones. They are staggered by
 * default: one write per changed player per pass, to the two stores in turn, each write carrying the
 * backup the other store got last time, so each backup has both copies one pass later (see
 * `automaticCopies`): the request cost is one UpdateAsync per active player per interval.
 *
 * Every restore verifies: a copy that is missing, unreadable or fails its checksum falls back to the other
 * copy, then to an older backup, and each fallback is reported. Unverified data is never restored.
 *
 * @example
 * ```ts
 * const backups = new BackupManager({ target });
 * backups.Start();
 * backups.NoteChange(123, data); // DataService's pipeline stage does this for every change
 * backups.CreateBackup(123, "before event").expect();
 * const preview = backups.RestorePlayer(123, os.time() - 600, { dryRun: true }).expect();
 * ```
 */
export class BackupManager {
	private readonly dal: DataAccessLayer;
	private readonly codec: BackupCodec;
	private readonly primaryStore: string;
	private readonly secondaryStore: string;
	private readonly interval: number;
	private readonly retention: ReadonlyArray<RetentionTier>;
	private readonly maxRingCharacters: number;
	private readonly clock: () => number;
	private target?: RestoreTarget;
	private readonly warnings: boolean;
	private readonly staggered: boolean;
	private readonly stats = newBackupStatistics();
	private readonly tracked = new Map<number, Tracked>();
	private loop?: thread;
	private counter = 0;
	private readonly fields: BackupManagerConfig["fieldEncryption"];

	constructor(config: BackupManagerConfig = {}) {
		assertServer("BackupManager");
		this.fields = config.fieldEncryption;
		this.dal = config.dataAccessLayer ?? new DataAccessLayer();
		this.codec = new BackupCodec(config.encoding ?? (game.GetService("EncodingService") as EncodingLike));
		this.primaryStore = config.primaryStore ?? "DataService.Backups";
		this.secondaryStore = config.secondaryStore ?? "DataService.Backups.Secondary";
		if (this.primaryStore === this.secondaryStore) {
			error(`[BackupManager] primaryStore and secondaryStore must differ, both are "${this.primaryStore}"`, 2);
		}
		this.interval = config.interval ?? 300;
		if (!typeIs(this.interval, "number") || this.interval <= 0) {
			error(`[BackupManager] interval must be a positive number of seconds, got ${tostring(this.interval)}`, 2);
		}
		this.retention = config.retention ?? DEFAULT_RETENTION;
		checkTiers(this.retention);
		this.maxRingCharacters = config.maxRingCharacters ?? 3900000;
		this.clock = config.clock ?? (() => this.dal.now());
		this.target = config.target;
		this.warnings = config.warnings ?? true;
		const copies = config.automaticCopies ?? "staggered";
		if (copies !== "staggered" && copies !== "both") {
			error(`[BackupManager] automaticCopies must be "staggered" or "both", got ${tostring(copies)}`, 2);
		}
		this.staggered = copies === "staggered";
	}

	/** Sets where restores are applied (DataService sets itself when it builds or is given this manager). */
	SetRestoreTarget(target: RestoreTarget): void {
		this.target = target;
	}

	/**
	 * Records that a player's data changed (the pipeline stage calls it after every write): the player is
	 * backed up at the next automatic pass.
	 */
	NoteChange(playerId: number, data: object): void {
		const entry = this.tracked.get(playerId);
		if (entry === undefined) {
			this.tracked.set(playerId, {
				data: deepCopy(data),
				seq: 1,
				dirty: true,
				firstChange: this.clock(),
				owed: new Map(),
				nextStore: 0,
			});
			return;
		}
		entry.data = deepCopy(data);
		entry.seq += 1;
		entry.dirty = true;
	}

	/** Stops tracking a player (after they left and their last changes were backed up or saved). */
	Forget(playerId: number): void {
		this.tracked.delete(playerId);
	}

	/**
	 * Starts the automatic backups. Each player is backed up on their own schedule, `interval` seconds after
	 * their last backup (or their first change), rather than all at once in one pass: a pass over 100 players
	 * at background priority takes about 50 s, which stretched the interval of the last ones by as much, and
	 * a player who leaves is backed up right away, so a session of L seconds costs at most ceil(L / interval)
	 * writes (the leave's write takes the place of the pass it would otherwise have met).
	 */
	Start(): void {
		if (this.loop !== undefined) return;
		this.loop = task.spawn(() => {
			for (;;) {
				task.wait(this.untilNextDue());
				this.backupDirty("automatic", undefined, this.clock());
			}
		});
	}

	/** Stops the automatic backups (a pass under way finishes). */
	Stop(): void {
		if (this.loop === undefined) return;
		const loop = this.loop;
		this.loop = undefined;
		if (coroutine.status(loop) === "suspended") task.cancel(loop);
	}

	/**
	 * One automatic pass (yields): backs up each player whose data changed since their last backup.
	 * @returns how many players were backed up.
	 */
	RunAutomatic(): number {
		return this.backupDirty("automatic");
	}

	/**
	 * Emergency backups (yields): a corrupt profile was found, the service went critical, or it is shutting
	 * down. Backs up the given players, or every player with changes not yet backed up.
	 * @returns how many players were backed up.
	 */
	EmergencyBackup(reason: string, playerIds?: ReadonlyArray<number>): number {
		if (playerIds === undefined) return this.backupDirty("emergency", reason);
		let done = 0;
		for (const id of playerIds) {
			const entry = this.tracked.get(id);
			const data = this.target?.current(id) ?? entry?.data;
			if (data !== undefined && this.tryBackup(id, data, "emergency", reason, entry?.seq)) done += 1;
		}
		return done;
	}

	/**
	 * An emergency backup of the given data (yields): the consistency checker takes one of the data it is
	 * about to repair, under the player's lock, and repairs only once it is written.
	 * @returns the backup, or rejects with a {@link BackupError} (`BackupFailed` when no store accepted it).
	 * @example
	 * ```ts
	 * const backup = backups.EmergencyBackupOf(123, data, "repair").expect();
	 * ```
	 */
	EmergencyBackupOf(playerId: number, data: object, reason: string): Promise<BackupResult> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => this.backupNow(playerId, data, "emergency", reason, undefined));
			if (ok) resolve(result);
			else reject(isBackupError(result) ? result : backupError("BackupFailed", messageOf(result)));
		});
	}

	/**
	 * A backup of a player's current data (from the restore target, else the last data noted), written to
	 * both stores now. Other modules call it before they change data on their own: the ConsistencyChecker
	 * before a repair (`kind` "preUpdate"), a corruption handler (`kind` "emergency").
	 * @param label - shown in the ring and in restore results ("before repair of coins").
	 * @param kind - "manual" (default), "preUpdate" or "emergency"; counted per kind in the statistics.
	 * @returns the backup, or rejects with a {@link BackupError} (InvalidArgument, NotHeld, BackupFailed).
	 * @example
	 * ```ts
	 * backups.CreateBackup(123, "before repair of coins", "preUpdate").expect();
	 * ```
	 */
	CreateBackup(playerId: number, label: string, kind: BackupKind = "manual"): Promise<BackupResult> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				if (!typeIs(playerId, "number")) {
					throw backupError("InvalidArgument", `playerId must be a number, got ${typeOf(playerId)}`);
				}
				if (!typeIs(label, "string")) {
					throw backupError("InvalidArgument", `label must be a string, got ${typeOf(label)}`);
				}
				if (kind !== "manual" && kind !== "preUpdate" && kind !== "emergency") {
					throw backupError(
						"InvalidArgument",
						`kind must be "manual", "preUpdate" or "emergency", got ${typeIs(kind, "string") ? `"${kind}"` : typeOf(kind)}`,
					);
				}
				const entry = this.tracked.get(playerId);
				const data = this.target?.current(playerId) ?? entry?.data;
				if (data === undefined) {
					throw backupError("NotHeld", `player ${playerId} has no data on this server to back up`);
				}
				return this.backupNow(playerId, data, kind, label, entry?.seq);
			});
			if (ok) resolve(result);
			else reject(isBackupError(result) ? result : backupError("BackupFailed", messageOf(result)));
		});
	}

	/** Players whose data changed since their last backup (what an emergency backup without ids covers). */
	ChangedPlayers(): Array<number> {
		const ids = new Array<number>();
		for (const [id, entry] of this.tracked) if (entry.dirty) ids.push(id);
		return ids;
	}

	/**
	 * A pre-update backup of `before` (yields; the pipeline stage calls it under the player's lock).
	 * @returns undefined once written, else why not (the stage refuses the change with it).
	 */
	PreUpdateBackup(playerId: number, before: object, label: string): string | undefined {
		const [ok, err] = pcall(() => this.backupNow(playerId, before, "preUpdate", label, undefined));
		return ok ? undefined : messageOf(err);
	}

	/**
	 * Restores a player to the newest backup at or before `time` (Unix seconds) that verifies, falling back
	 * copy by copy and then to older backups (each fallback reported). A time older than what the live ring
	 * keeps at the interval's resolution is served from the ring's DataStore versions (hourly, 30 days). A dry
	 * run returns the diff from the current data without changing anything. A real restore needs the player
	 * held by this server, or `offline: true`.
	 * @returns what was (or would be) restored; rejects with NoVerifiedBackup (and the fallbacks), NotHeld
	 * or RestoreFailed.
	 */
	RestorePlayer(playerId: number, time: number, options: RestoreOptions = {}): Promise<RestoreResult> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => this.restoreNow(playerId, time, options));
			if (ok) resolve(result);
			else {
				this.stats.restoreFailures += 1;
				reject(isBackupError(result) ? result : backupError("RestoreFailed", messageOf(result)));
			}
		});
	}

	/**
	 * Restores several players to one moment, all or nothing (both sides of a trade rolled back): each
	 * player's newest verified backup at or before `time` is chosen first (one with none restores nobody),
	 * then the target replaces them together (DataService: one write-pipeline change over every player's
	 * lock, its snapshots committed in one DataAccessLayer transaction before any profile changes, so a crash
	 * mid-way leaves all restored or none). `offline: true` takes the session lock of those not held here
	 * first and releases them after. `keep` applies to each player.
	 * @returns one result per player, in the order given; rejects with InvalidArgument, NoVerifiedBackup
	 * (naming the player), NotHeld or RestoreFailed, and then no player was restored.
	 * @example
	 * ```ts
	 * backups.RestorePlayers([trade.from, trade.to], trade.time - 1, { keep: ["receipts"] }).expect();
	 * ```
	 */
	RestorePlayers(
		playerIds: ReadonlyArray<number>,
		time: number,
		options: RestoreOptions = {},
	): Promise<MultiRestoreResult> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => this.restoreAllNow(playerIds, time, options));
			if (ok) resolve(result);
			else {
				this.stats.restoreFailures += 1;
				reject(isBackupError(result) ? result : backupError("RestoreFailed", messageOf(result)));
			}
		});
	}

	/**
	 * Applies the retention tiers to a player's ring in both stores, at background priority (for players
	 * who no longer play: an active player's ring is pruned by every backup it gets).
	 * @returns how many backups were dropped from the primary copy.
	 */
	Cleanup(playerId: number): Promise<number> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				let dropped = 0;
				for (const store of [this.primaryStore, this.secondaryStore]) {
					let removed = 0;
					this.stats.writeRequests += 1;
					this.dal
						.update<BackupRing>(
							this.ref(store, playerId),
							(current) => {
								const ring = asRing(current);
								if (ring === undefined) return undefined;
								const kept = applyRetention(ring.e, this.clock(), this.retention);
								removed = ring.e.size() - kept.size();
								return removed > 0 ? { v: 1, e: kept } : undefined;
							},
							{ priority: "background" },
						)
						.expect();
					if (store === this.primaryStore) dropped = removed;
				}
				return dropped;
			});
			if (ok) resolve(result);
			else reject(backupError("BackupFailed", messageOf(result)));
		});
	}

	/**
	 * Right to erasure: removes the player's backups from both stores (the whole key in each), at
	 * background priority, and stops tracking the player. Yields inside the Promise.
	 * @returns resolves once both keys are removed; rejects with `BackupFailed` when a removal failed.
	 * @example
	 * ```ts
	 * backups.ErasePlayer(userId).expect();
	 * ```
	 */
	ErasePlayer(playerId: number): Promise<void> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				this.Forget(playerId);
				for (const store of [this.primaryStore, this.secondaryStore]) {
					this.stats.writeRequests += 1;
					this.dal.remove(this.ref(store, playerId), { priority: "background" }).expect();
				}
			});
			if (ok) resolve();
			else reject(backupError("BackupFailed", messageOf(result)));
		});
	}

	/** A copy of the counters, with the recovery point measured now. */
	GetStatistics(): BackupReport {
		const now = this.clock();
		let recoveryPoint: number | undefined;
		for (const [, entry] of this.tracked) {
			const age = now - (entry.lastBackup ?? entry.firstChange);
			if (recoveryPoint === undefined || age > recoveryPoint) recoveryPoint = age;
		}
		return { ...this.stats, recoveryPoint, trackedPlayers: this.tracked.size() };
	}

	private ref(store: string, playerId: number): KeyRef {
		return { store, key: tostring(playerId) };
	}

	/** When a player with a backup to make is next due: `interval` after their last backup (or first change). */
	private dueAt(entry: Tracked): number {
		return (entry.lastBackup ?? entry.firstChange) + this.interval;
	}

	/**
	 * Seconds until the next player is due. At most a tenth of the interval: a player idle for long who
	 * changes again is due at once, and the loop may be asleep when they do.
	 */
	private untilNextDue(): number {
		const now = this.clock();
		let wait = this.interval / 10;
		for (const [, entry] of this.tracked) {
			if (entry.dirty || (this.staggered && owes(entry))) wait = math.min(wait, this.dueAt(entry) - now);
		}
		return math.max(wait, 0.1);
	}

	/**
	 * Backs up the players with changes (or, staggered, owed copies): all of them, or with `dueBy` only those
	 * due by then and those who left.
	 */
	private backupDirty(kind: BackupKind, label?: string, dueBy?: number): number {
		const staggered = this.staggered && kind === "automatic";
		this.settleLeft();
		const due = new Array<[number, Tracked]>();
		for (const [id, entry] of this.tracked) {
			if (!entry.dirty && !(staggered && owes(entry))) continue;
			const left = this.target !== undefined && this.target.current(id) === undefined;
			if (dueBy === undefined || left || this.dueAt(entry) <= dueBy) due.push([id, entry]);
		}
		// The player whose newest backup is oldest goes first (map order is not stable).
		const since = (entry: Tracked) => entry.lastBackup ?? entry.firstChange;
		due.sort(([a, ea], [b, eb]) => (since(ea) !== since(eb) ? since(ea) < since(eb) : a < b));
		let done = 0;
		for (const [id, entry] of due) {
			if (staggered) {
				if (this.tryStaggered(id, entry)) done += 1;
			} else if (entry.dirty && this.tryBackup(id, entry.data, kind, label, entry.seq)) done += 1;
		}
		this.settleLeft();
		return done;
	}

	/**
	 * Stops tracking the players who left once their last changes are backed up: the recovery point measures
	 * the players still playing. The second copy of a leaving player's last backup is not written: it holds
	 * the very state their profile's release save stored, and every earlier backup is in both stores, so a
	 * session costs one write per interval and no more (older copies still owed are delivered first).
	 */
	private settleLeft(): void {
		if (this.target === undefined) return;
		for (const [id, entry] of this.tracked) {
			if (entry.dirty || this.target.current(id) !== undefined) continue;
			for (const [store, owed] of entry.owed) {
				if (owed.size() === 1 && owed[0].i === entry.lastBackupId) {
					entry.owed.delete(store);
					this.stats.finalCopiesSkipped += 1;
				}
			}
			if (!owes(entry)) this.tracked.delete(id);
		}
	}

	private tryBackup(playerId: number, data: object, kind: BackupKind, label?: string, seq?: number): boolean {
		const [ok, err] = pcall(() => this.backupNow(playerId, data, kind, label, seq));
		if (!ok && this.warnings) warn(`[BackupManager] ${kind} backup of ${playerId} failed: ${messageOf(err)}`);
		return ok;
	}

	/**
	 * One staggered automatic pass for a player (yields): ONE write, to the store owed copies (else the next
	 * in turn), carrying those copies and a new backup when the data changed.
	 * @returns true when a new backup was written.
	 */
	private tryStaggered(playerId: number, tracked: Tracked): boolean {
		const stores = [this.primaryStore, this.secondaryStore];
		const owedFirst = (tracked.owed.get(stores[0])?.size() ?? 0) > 0;
		const owedSecond = (tracked.owed.get(stores[1])?.size() ?? 0) > 0;
		let index: 0 | 1 = tracked.nextStore;
		if (owedFirst !== owedSecond) index = owedFirst ? 0 : 1;
		if (tracked.avoid !== undefined && tracked.dirty) {
			// The last write to this store failed: a store that stays down must not stop every new backup.
			index = tracked.avoid === 0 ? 1 : 0;
		}
		tracked.avoid = undefined;
		const store = stores[index];
		const other = stores[1 - index];
		const seq = tracked.seq;
		let made: { entry: BackupEntry; sealed: SealedPayload } | undefined;
		if (tracked.dirty) {
			const [ok, result] = pcall(() => this.makeEntry(playerId, tracked.data, "automatic", undefined));
			if (!ok) {
				if (this.warnings) warn(`[BackupManager] automatic backup of ${playerId} failed: ${messageOf(result)}`);
				return false;
			}
			made = result;
		}
		const carried = tracked.owed.get(store) ?? [];
		const entries = [...carried];
		if (made !== undefined) entries.push(made.entry);
		if (entries.size() === 0) return false;
		const [ok, err] = this.writeRing(store, playerId, entries).await();
		if (!ok) {
			this.stats.copyFailures += 1;
			if (made !== undefined) this.stats.failures += 1;
			tracked.avoid = index;
			if (this.warnings)
				warn(`[BackupManager] automatic backup of ${playerId} to ${store} failed: ${messageOf(err)}`);
			return false;
		}
		tracked.owed.delete(store);
		tracked.nextStore = index === 0 ? 1 : 0;
		for (const e of carried) this.stats.bytesWritten += e.z.size();
		this.stats.catchUpCopies += carried.size();
		if (made === undefined) return false;
		const owedOther = tracked.owed.get(other) ?? [];
		owedOther.push(made.entry);
		while (owedOther.size() > MAX_OWED) owedOther.remove(0);
		tracked.owed.set(other, owedOther);
		this.counted(playerId, made, "automatic", 1, seq);
		return true;
	}

	/** Seals `data` into a ring entry. Throws a BackupError when it cannot be encoded or is too large. */
	private makeEntry(
		playerId: number,
		data: object,
		kind: BackupKind,
		label: string | undefined,
	): { entry: BackupEntry; sealed: SealedPayload } {
		const now = this.clock();
		this.counter += 1;
		const fields = this.fields;
		const [sealedOk, sealed] = pcall(() =>
			this.codec.seal(fields !== undefined ? fields.sealData(playerId, data) : data),
		);
		if (!sealedOk) {
			this.stats.failures += 1;
			throw backupError("BackupFailed", `backup of ${playerId} could not be encoded: ${messageOf(sealed)}`);
		}
		const entry: BackupEntry = {
			i: `${math.floor(now * 1000)}-${this.counter}`,
			t: now,
			k: kind,
			l: label,
			h: sealed.h,
			n: sealed.n,
			z: sealed.z,
		};
		const entrySize = canonicalJson(entry).size();
		if (entrySize > this.maxRingCharacters) {
			this.stats.failures += 1;
			throw backupError(
				"BackupFailed",
				`backup of ${playerId} is ${entrySize} characters compressed, over maxRingCharacters (${this.maxRingCharacters})`,
			);
		}
		return { entry, sealed };
	}

	/** One UpdateAsync adding `entries` to a player's ring in `store` (retention applied in the same write). */
	private writeRing(store: string, playerId: number, entries: ReadonlyArray<BackupEntry>) {
		this.stats.writeRequests += 1;
		return this.dal.update<BackupRing>(
			this.ref(store, playerId),
			(current) => this.withEntries(asRing(current) ?? emptyRing(), entries),
			{ priority: "background" },
		);
	}

	/** Counts a backup written to `copies` stores and marks the player backed up. */
	private counted(
		playerId: number,
		made: { entry: BackupEntry; sealed: SealedPayload },
		kind: BackupKind,
		copies: number,
		seq: number | undefined,
	): void {
		this.stats.backupsCreated += 1;
		this.stats[kind] += 1;
		this.stats.bytesWritten += made.sealed.z.size() * copies;
		this.stats.rawBytes += made.sealed.n;
		const tracked = this.tracked.get(playerId);
		if (tracked !== undefined) {
			tracked.lastBackup = made.entry.t;
			tracked.lastBackupId = made.entry.i;
			if (seq !== undefined && tracked.seq === seq) tracked.dirty = false;
		}
	}

	/**
	 * Writes one backup to both stores at once (yields), each write also carrying the copies that store was
	 * owed. Throws a BackupError when neither copy was written.
	 */
	private backupNow(
		playerId: number,
		data: object,
		kind: BackupKind,
		label: string | undefined,
		seq: number | undefined,
	): BackupResult {
		const made = this.makeEntry(playerId, data, kind, label);
		const tracked = this.tracked.get(playerId);
		// Both copies in flight at once: a pre-update backup holds the player's lock while it waits.
		const writes = [this.primaryStore, this.secondaryStore].map((store) => {
			const carried = tracked?.owed.get(store) ?? [];
			return { store, carried, write: this.writeRing(store, playerId, [...carried, made.entry]) };
		});
		let copies = 0;
		const errors = new Array<string>();
		for (const { store, carried, write } of writes) {
			const [ok, err] = write.await();
			if (ok) {
				copies += 1;
				if (carried.size() > 0) {
					tracked?.owed.delete(store);
					for (const e of carried) this.stats.bytesWritten += e.z.size();
					this.stats.catchUpCopies += carried.size();
				}
			} else {
				this.stats.copyFailures += 1;
				errors.push(messageOf(err));
			}
		}
		if (copies === 0) {
			this.stats.failures += 1;
			throw backupError("BackupFailed", `no copy of the backup of ${playerId} was written: ${errors.join("; ")}`);
		}
		if (errors.size() > 0 && this.warnings) {
			warn(`[BackupManager] one copy of the backup of ${playerId} failed: ${errors.join("; ")}`);
		}
		this.counted(playerId, made, kind, copies, seq);
		const { entry, sealed } = made;
		return { id: entry.i, time: entry.t, kind, copies, bytes: sealed.z.size(), rawBytes: sealed.n };
	}

	/** The ring with `added` in it, retention applied and the oldest dropped until it fits. */
	private withEntries(ring: BackupRing, added: ReadonlyArray<BackupEntry>): BackupRing {
		// A retried write (one that failed but was applied) finds its entries there already: no duplicates.
		const ids = new Set(added.map((e) => e.i));
		const entries = ring.e.filter((e) => typeIs(e, "table") && typeIs(e.t, "number") && !ids.has(e.i));
		for (const e of added) entries.push(e);
		entries.sort((a, b) => (a.t !== b.t ? a.t < b.t : a.i < b.i));
		const kept = applyRetention(entries, this.clock(), this.retention);
		let size = 12;
		const sizes = kept.map((e) => canonicalJson(e).size() + 1);
		for (const s of sizes) size += s;
		let first = 0;
		while (size > this.maxRingCharacters && first < kept.size() - 1) {
			size -= sizes[first];
			first += 1;
		}
		const fitted = new Array<BackupEntry>();
		for (let i = first; i < kept.size(); i++) fitted.push(kept[i]);
		return { v: 1, e: fitted };
	}

	private readRing(store: string, playerId: number): RingRead {
		const [ok, result] = this.dal.read<unknown>(this.ref(store, playerId)).await();
		if (!ok) return { failure: "unreadable", detail: messageOf(result) };
		const ring = asRing(result?.data);
		return ring !== undefined ? { ring } : { failure: "missing" };
	}

	/** Throws InvalidArgument unless `time` is a number and `keep` a list of field names. */
	private checkRestoreArguments(time: number, options: RestoreOptions): ReadonlyArray<string> {
		if (!typeIs(time, "number") || time !== time) {
			throw backupError("InvalidArgument", `time must be a number of Unix seconds, got ${typeOf(time)}`);
		}
		const keep = options.keep ?? [];
		if (!typeIs(keep, "table") || keep.some((field) => !typeIs(field, "string"))) {
			throw backupError("InvalidArgument", `keep must be an array of field names, got ${typeOf(keep)}`);
		}
		return keep;
	}

	/**
	 * The backup a restore of `playerId` to `time` uses (yields): the newest verified one at or before `time`
	 * in the live rings; when they have none, or only one older than `time` by more than the interval (the
	 * retention tiers thinned them out, or the oldest were dropped for size), the rings as DataStore versions
	 * kept them at `time` are read too and the newer verified backup wins. Throws NoVerifiedBackup (with
	 * every copy refused) or RestoreFailed (a backup that is not a table).
	 */
	private choose(playerId: number, time: number): Chosen {
		if (!typeIs(playerId, "number")) {
			throw backupError("InvalidArgument", `playerId must be a number, got ${typeOf(playerId)}`);
		}
		const live = pickVerified(
			this.codec,
			this.readRing(this.primaryStore, playerId),
			this.readRing(this.secondaryStore, playerId),
			time,
		);
		let picked = live.chosen;
		let source: Chosen["source"] = "ring";
		const fallbacks = [...live.fallbacks];
		let versions = "";
		if (picked === undefined || time - picked.entry.t > this.interval) {
			const reads = [this.primaryStore, this.secondaryStore].map((store) =>
				readRingAtTime(this.dal, this.ref(store, playerId), time),
			);
			const old = pickVerified(this.codec, reads[0], reads[1], time);
			for (const f of old.fallbacks) fallbacks.push(f);
			if (old.chosen !== undefined && (picked === undefined || old.chosen.entry.t > picked.entry.t)) {
				picked = old.chosen;
				source = "version";
			}
			const missing = reads.filter((read) => !("ring" in read));
			if (missing.size() === reads.size()) {
				versions = `; no DataStore version of either ring at or before it (${missing
					.map((read) => (!("ring" in read) ? (read.detail ?? read.failure) : ""))
					.join("; ")})`;
			}
		}
		this.stats.verificationFailures += fallbacks.size();
		if (picked === undefined) {
			throw backupError(
				"NoVerifiedBackup",
				`no verified backup of ${playerId} at or before ${time} (${fallbacks.size()} copies refused)${versions}`,
				fallbacks,
			);
		}
		const fields = this.fields;
		const data =
			fields !== undefined && typeIs(picked.data, "table")
				? fields.openData(playerId, picked.data as object).data
				: picked.data;
		if (!typeIs(data, "table")) {
			throw backupError(
				"RestoreFailed",
				`backup ${picked.entry.i} of ${playerId} holds a ${typeOf(data)}, not a table`,
			);
		}
		const entry = picked.entry;
		return {
			data: data as object,
			entry,
			copy: picked.copy,
			source,
			fallbacks,
			backup: { id: entry.i, time: entry.t, kind: entry.k, label: entry.l },
		};
	}

	/** A restore's result from the backup it chose. */
	private resultOf(chosen: Chosen, applied: boolean, data: object, diff?: ReadonlyArray<PatchOp>): RestoreResult {
		const { backup, copy, source, fallbacks } = chosen;
		return { applied, backup, copy, source, fallbacks, diff, data: deepCopy(data) };
	}

	/** A dry run's result: what the restore would make of the current data, if this server holds it. */
	private preview(playerId: number, chosen: Chosen, keep: ReadonlyArray<string>): RestoreResult {
		const current = this.target?.current(playerId);
		const data = current !== undefined ? withKept(chosen.data, current, keep) : chosen.data;
		const diff = current !== undefined ? diffValue(current, data, math.huge) : undefined;
		return this.resultOf(chosen, false, data, diff);
	}

	private restoreNow(playerId: number, time: number, options: RestoreOptions): RestoreResult {
		const keep = this.checkRestoreArguments(time, options);
		const chosen = this.choose(playerId, time);
		if (options.dryRun === true) {
			this.stats.dryRuns += 1;
			return this.preview(playerId, chosen, keep);
		}
		const target = this.target;
		const held = target?.current(playerId) !== undefined;
		if (target === undefined || (!held && (options.offline !== true || target.acquire === undefined))) {
			throw backupError(
				"NotHeld",
				`player ${playerId} is not held by this server; pass offline: true to take their session lock first`,
			);
		}
		if (!held) target.acquire!(playerId);
		const [ok, result] = pcall(() => {
			const current = target.current(playerId);
			if (current === undefined)
				throw backupError("NotHeld", `player ${playerId} was released during the restore`);
			const data = withKept(chosen.data, current, keep);
			const diff = diffValue(current, data, math.huge);
			target.replace(playerId, data, { source: "restore", backupId: chosen.entry.i, time: chosen.entry.t });
			return { diff, data };
		});
		if (!held) target.release?.(playerId);
		if (!ok) throw result;
		this.stats.restores += 1;
		return this.resultOf(chosen, true, result.data, result.diff);
	}

	private restoreAllNow(playerIds: ReadonlyArray<number>, time: number, options: RestoreOptions): MultiRestoreResult {
		if (!typeIs(playerIds, "table") || playerIds.size() === 0) {
			throw backupError(
				"InvalidArgument",
				`playerIds must be a non-empty array of user ids, got ${typeOf(playerIds)}`,
			);
		}
		const seen = new Set<number>();
		for (const id of playerIds) {
			if (!typeIs(id, "number")) {
				throw backupError("InvalidArgument", `playerIds must hold numbers, got a ${typeOf(id)}`);
			}
			if (seen.has(id)) throw backupError("InvalidArgument", `playerIds names ${id} twice`);
			seen.add(id);
		}
		const keep = this.checkRestoreArguments(time, options);
		// Every backup is chosen and verified before anyone is touched: one missing backup restores nobody.
		const chosen = playerIds.map((id) => {
			const [ok, result] = pcall(() => this.choose(id, time));
			if (ok) return result;
			const err = result as unknown as BackupError;
			throw isBackupError(err)
				? backupError(err.kind, `${err.message}: no player was restored`, err.fallbacks)
				: backupError("RestoreFailed", `${messageOf(result)}: no player was restored`);
		});
		if (options.dryRun === true) {
			this.stats.dryRuns += 1;
			return {
				applied: false,
				players: chosen.map((c, i) => ({ ...this.preview(playerIds[i], c, keep), playerId: playerIds[i] })),
			};
		}
		const target = this.target;
		if (target === undefined || target.replaceAll === undefined) {
			throw backupError(
				"RestoreFailed",
				"this restore target cannot restore several players at once (no replaceAll)",
			);
		}
		const acquired = new Array<number>();
		const [ok, result] = pcall(() => {
			for (const id of playerIds) {
				if (target.current(id) !== undefined) continue;
				if (options.offline !== true || target.acquire === undefined) {
					throw backupError(
						"NotHeld",
						`player ${id} is not held by this server; pass offline: true to take their session lock first`,
					);
				}
				target.acquire(id);
				acquired.push(id);
			}
			const planned = playerIds.map((id, i) => {
				const current = target.current(id);
				if (current === undefined) throw backupError("NotHeld", `player ${id} was released during the restore`);
				const data = withKept(chosen[i].data, current, keep);
				return { playerId: id, data, backupId: chosen[i].entry.i, diff: diffValue(current, data, math.huge) };
			});
			target.replaceAll!(planned, { source: "restore", time });
			return planned;
		});
		for (const id of acquired) target.release?.(id);
		if (!ok) throw result;
		this.stats.restores += playerIds.size();
		return {
			applied: true,
			players: result.map((p, i) => ({
				...this.resultOf(chosen[i], true, p.data, p.diff),
				playerId: p.playerId,
			})),
		};
	}
}

/** The verified backup a restore settled on, opened. */
interface Chosen {
	readonly data: object;
	readonly entry: BackupEntry;
	readonly copy: BackupCopy;
	readonly source: "ring" | "version";
	readonly fallbacks: ReadonlyArray<Fallback>;
	readonly backup: RestoreResult["backup"];
}

/** `restored` with the `keep` fields taken from `current` (a field absent from `current` is removed). */
function withKept(restored: object, current: object, keep: ReadonlyArray<string>): object {
	if (keep.size() === 0) return restored;
	const data = deepCopy(restored) as Record<string, unknown>;
	for (const field of keep) data[field] = deepCopy((current as Record<string, unknown>)[field]);
	return data;
}
