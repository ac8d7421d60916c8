import type { Profile, ProfileStore } from "@rbxts/profileservice/globals";
import { HttpService, MessagingService, Players } from "@rbxts/services";
import { CacheManager } from "shared/core/CacheManager";
import { DataAccessLayer, DataError, KeyRef } from "shared/core/DataAccessLayer";
import { CompiledSchema, DataValidator, ValidationError } from "shared/core/DataValidator";
import { DataServiceConfig, ResolvedConfig, resolveConfig } from "./data/DataServiceConfig";
import { DataServiceError, isServiceError, serviceError } from "./data/DataServiceError";
import { DeltaEntry, InboxDocument, planClaim, withEntry, withoutEntries } from "./data/Inbox";
import { KeyedMutex } from "./data/KeyedMutex";

export { DEFAULT_SCHEMA, DEFAULT_TEMPLATE } from "./data/DataServiceConfig";
export type { DataServiceConfig } from "./data/DataServiceConfig";
export type { DataServiceError, DataServiceErrorKind } from "./data/DataServiceError";

/** What a profile stores: the game's data in a migrations-ready envelope. */
interface StoredProfile {
	/** Schema version of `data`. */
	v: number;
	data: object;
	/** Transfer ids applied to `data` whose inbox entries may still exist. */
	applied: Record<string, boolean>;
	/** Transfer sequence number (orders snapshots). */
	seq: number;
}

/** The ProfileService functions the service calls (injectable for specs). */
export interface ProfileServiceLike {
	/** ProfileService's module functions are called with a dot. */
	readonly GetProfileStore: (this: void, name: string, template: object) => ProfileStore<object, unknown>;
}

/** The MessagingService methods the service calls. */
export interface MessagingServiceLike {
	PublishAsync(topic: string, message: unknown): void;
	SubscribeAsync(topic: string, callback: (message: { Data: unknown; Sent: number }) => void): RBXScriptConnection;
}

/** Services a DataService uses, each defaulting to the real one (specs pass their own). */
export interface DataServiceServices {
	readonly profileService?: ProfileServiceLike;
	readonly messagingService?: MessagingServiceLike;
	readonly dataAccessLayer?: DataAccessLayer;
	readonly cache?: CacheManager<object>;
	readonly validator?: DataValidator;
}

/** Where an update comes from, as the original API passes it, plus `durable`. */
export interface UpdateContext {
	readonly source?: string;
	/** Resolve only once the change is saved to the DataStore (purchases). */
	readonly durable?: boolean;
	readonly [extra: string]: unknown;
}

/** What a successful update resolves with. */
export interface UpdateResult<T> {
	/** A copy of the player's data after the change. */
	readonly data: T;
	/** True when the change was confirmed saved before resolving. */
	readonly saved: boolean;
}

/** A finished gift or trade. */
export interface TransferResult {
	readonly id: string;
}

/** One finding of {@link DataService.RunConsistencyCheck}. */
export interface ConsistencyIssue {
	readonly check: "schema" | "currency" | "version" | "session" | "inbox";
	readonly path: string;
	readonly message: string;
}

/** The outcome of {@link DataService.RunConsistencyCheck}. */
export interface ConsistencyReport {
	readonly playerId: number;
	readonly ok: boolean;
	readonly issues: ReadonlyArray<ConsistencyIssue>;
	readonly schemaVersion: number;
	/** Unix seconds. */
	readonly checkedAt: number;
}

/** The outcome of {@link DataService.GetHealthStatus}. */
export interface HealthStatus {
	readonly status: "healthy" | "degraded" | "critical";
	readonly issues: ReadonlyArray<string>;
	/** 0 to 100. */
	readonly score: number;
	readonly recommendations: ReadonlyArray<string>;
}

/** Counters of the service itself. */
export interface ServiceStatistics {
	loadedProfiles: number;
	loads: number;
	loadFailures: number;
	updates: number;
	rejectedUpdates: number;
	durableSaves: number;
	durableFailures: number;
	releaseRequestsSent: number;
	releaseRequestsAnswered: number;
	releasesForOthers: number;
	takeovers: number;
	trades: number;
	gifts: number;
	transferFailures: number;
	inboxClaims: number;
	consistencyChecks: number;
	consistencyIssues: number;
	averageLoadSeconds: number;
	/** Most operations that ran at once (at most maxConcurrentOperations). */
	peakConcurrentOperations: number;
}

/** What {@link DataService.GetStatistics} returns: one table per module. */
export interface DataServiceStatistics {
	readonly service: ServiceStatistics;
	readonly dataLayer: { readonly requests: number; readonly pending: number };
	readonly cache: {
		readonly enabled: boolean;
		readonly hits: number;
		readonly misses: number;
		readonly size: number;
	};
	readonly validator: { readonly validated: number; readonly rejected: number };
	readonly profiles: { readonly criticalState: boolean; readonly issueCount: number };
	readonly config: { readonly [name: string]: boolean | number };
}

type Message = { t: "release" | "ack" | "inbox"; u: number; j: string };

interface Session {
	readonly userId: number;
	readonly profile: Profile<StoredProfile, unknown>;
	/** Worth of changes not yet saved: BindToClose saves the most valuable first. */
	unsaved: number;
	saveSeq: number;
}

const SEQ_TAG = "DataService.seq";
const INBOX_NUDGE_WAIT = 0.25;

function deepCopy<T>(value: T): T {
	if (!typeIs(value, "table")) return value;
	const out = new Map<unknown, unknown>();
	for (const [k, v] of pairs(value as object)) out.set(k, deepCopy(v));
	return out as unknown as T;
}

function keyCount(value: object): number {
	let n = 0;
	for (const [_] of pairs(value)) n += 1;
	return n;
}

function describeErrors(errors: ReadonlyArray<ValidationError>): string {
	return errors.map((e) => `${e.path === "" ? "(root)" : e.path}: ${e.message}`).join("; ");
}

function toServiceError(value: unknown, fallback: DataServiceError["kind"]): DataServiceError {
	if (isServiceError(value)) return value;
	const message = typeIs(value, "table") && "message" in value ? (value as DataError).message : tostring(value);
	return serviceError(fallback, message);
}

/**
 * The server's facade over player data: session-locked ProfileService profiles in a migrations-ready
 * envelope, every change validated against the game's schema before it touches the profile, durable
 * updates for purchases, gifts and trades delivered exactly once through per-player inboxes committed
 * by DataAccessLayer transactions, release requests over MessagingService for fast teleport handoff,
 * and a BindToClose that saves the most valuable changes first.
 *
 * Every asynchronous method returns a Promise that rejects with a {@link DataServiceError}.
 *
 * @example
 * ```ts
 * const dataService = new DataService({ schema: MY_SCHEMA, template: MY_TEMPLATE });
 * const data = await dataService.LoadPlayerData(player.UserId);
 * await dataService.UpdatePlayerData(player.UserId, { coins: data.coins + 100 }, { source: "quest_completion" });
 * await dataService.UpdatePlayerData(player.UserId, { gems: data.gems + 50 }, { source: "purchase", durable: true });
 * ```
 */
export class DataService<T extends object = typeof import("./data/DataServiceConfig").DEFAULT_TEMPLATE> {
	private readonly config: ResolvedConfig;
	private readonly dal: DataAccessLayer;
	private readonly cache: CacheManager<object>;
	private readonly validator: DataValidator;
	private readonly compiled?: CompiledSchema<unknown>;
	private readonly messaging: MessagingServiceLike;
	private readonly profileService: ProfileServiceLike;
	private readonly store: ProfileStore<object, unknown>;
	private readonly sessions = new Map<number, Session>();
	private readonly mutex = new KeyedMutex();
	private readonly acks = new Set<number>();
	/** Profiles whose release save is still in flight: a release request for them is answered. */
	private readonly releasing = new Set<number>();
	/** Players who left this frame, released together at its end (see releaseLeaving). */
	private readonly leaving = new Set<number>();
	private readonly schemaVersion: number;
	private readonly jobId: string;
	private readonly connections = new Array<RBXScriptConnection>();
	private readonly stats: ServiceStatistics = {
		loadedProfiles: 0,
		loads: 0,
		loadFailures: 0,
		updates: 0,
		rejectedUpdates: 0,
		durableSaves: 0,
		durableFailures: 0,
		releaseRequestsSent: 0,
		releaseRequestsAnswered: 0,
		releasesForOthers: 0,
		takeovers: 0,
		trades: 0,
		gifts: 0,
		transferFailures: 0,
		inboxClaims: 0,
		consistencyChecks: 0,
		consistencyIssues: 0,
		averageLoadSeconds: 0,
		peakConcurrentOperations: 0,
	};
	private validated = 0;
	private running = 0;
	private readonly waiting = new Array<thread>();
	private shuttingDown = false;

	/**
	 * @param config - the original SERVICE_CONFIG switches and profile settings (see {@link DataServiceConfig}).
	 * @param services - the services to use; each defaults to the real one.
	 * @throws a plain message when the config is malformed or the template breaks the schema.
	 */
	constructor(config: DataServiceConfig = {}, services: DataServiceServices = {}) {
		this.config = resolveConfig(config);
		this.jobId = game.JobId !== "" ? game.JobId : HttpService.GenerateGUID(false);
		this.dal = services.dataAccessLayer ?? new DataAccessLayer({ warnings: this.config.warnings });
		this.cache = services.cache ?? new CacheManager<object>();
		this.validator = services.validator ?? new DataValidator();
		if (this.config.schema !== undefined) {
			this.compiled = this.validator.compile(this.config.schema);
			const result = this.compiled.validate(this.config.template);
			if (!result.ok) error(`[DataService] the template breaks the schema: ${describeErrors(result.errors)}`, 2);
		}
		this.schemaVersion = this.config.migrations.size() + 1;
		this.messaging = services.messagingService ?? (MessagingService as unknown as MessagingServiceLike);
		if (this.config.bindPlayers) game.BindToClose(() => this.closeAll());
		// Required only now, after closeAll is bound: ProfileService binds a BindToClose of its own when it
		// loads, which releases every active profile in its own order, and callbacks start in the order they
		// were bound. Bound first, closeAll starts the release saves most valuable first.
		this.profileService =
			services.profileService ?? (import("@rbxts/profileservice").expect() as unknown as ProfileServiceLike);
		const template: StoredProfile = { v: this.schemaVersion, data: this.config.template, applied: {}, seq: 0 };
		this.store = this.profileService.GetProfileStore(this.config.profileStoreName, template);
		task.spawn(() => {
			const [ok, connection] = pcall(() =>
				this.messaging.SubscribeAsync(this.config.topic, (message) => this.onMessage(message.Data)),
			);
			if (ok) this.connections.push(connection);
			else this.warn(`could not subscribe to ${this.config.topic}: ${tostring(connection)}`);
		});
		if (this.config.bindPlayers) {
			this.connections.push(Players.PlayerRemoving.Connect((player) => this.releaseLeaving(player.UserId)));
		}
	}

	/**
	 * Loads a player's profile under a session lock (asking a holder on another server to release it
	 * first), migrates it, claims its inbox, and resolves with a copy of its data. Resolves at once when the
	 * profile is already held here.
	 *
	 * @param playerId - the player's UserId.
	 * @returns a copy of the data; rejects with `InvalidArgument`, `SessionLocked`, `LoadFailed` or `ShuttingDown`.
	 * @example
	 * ```ts
	 * const data = await dataService.LoadPlayerData(player.UserId);
	 * ```
	 */
	LoadPlayerData(playerId: number): Promise<T> {
		return this.operation(() => {
			this.checkPlayerId(playerId);
			return this.mutex.run(tostring(playerId), () => {
				const existing = this.sessions.get(playerId);
				if (existing !== undefined) return this.read(existing) as T;
				if (this.shuttingDown)
					throw serviceError("ShuttingDown", `cannot load ${playerId}: the server is closing`);
				return this.read(this.load(playerId)) as T;
			});
		}, "LoadFailed");
	}

	/**
	 * A copy of a loaded player's data (from the cache when caching is on), or undefined when the player's
	 * profile is not held here.
	 * @example
	 * ```ts
	 * const coins = dataService.GetPlayerData(123)?.coins;
	 * ```
	 */
	GetPlayerData(playerId: number): T | undefined {
		const session = this.sessions.get(playerId);
		return session !== undefined ? (this.read(session) as T) : undefined;
	}

	/**
	 * Changes top-level fields of a loaded player's data after validating the changes against the schema
	 * and the currency rules; nothing is changed when any is invalid. With `context.durable` it resolves
	 * only once the change is saved to the DataStore.
	 *
	 * @param playerId - the player's UserId.
	 * @param changes - new values by top-level field.
	 * @param context - where the change comes from, e.g. `{ source: "quest_completion", questId: "daily_bonus" }`.
	 * @returns the data after the change; rejects with `InvalidArgument`, `ValidationFailed`, `NotLoaded` or `SaveFailed`.
	 * @example
	 * ```ts
	 * await dataService.UpdatePlayerData(id, { gems: data.gems + 100 }, { source: "purchase", durable: true });
	 * ```
	 */
	UpdatePlayerData(playerId: number, changes: Partial<T>, context: UpdateContext = {}): Promise<UpdateResult<T>> {
		return this.operation(() => {
			this.checkPlayerId(playerId);
			if (!typeIs(changes, "table")) throw serviceError("InvalidArgument", "changes must be a table");
			if (!typeIs(context, "table")) throw serviceError("InvalidArgument", "context must be a table");
			const list = new Array<{ path: Array<string>; value: unknown }>();
			for (const [key, value] of pairs(changes as object)) {
				if (!typeIs(key, "string")) {
					throw serviceError("InvalidArgument", `change keys must be field names, got ${tostring(key)}`);
				}
				list.push({ path: [key], value });
			}
			let saveSeq = 0;
			const data = this.mutex.run(tostring(playerId), () => {
				const session = this.requireSession(playerId);
				const stored = session.profile.Data;
				this.checkChanges(stored.data, list);
				let worth = 0;
				const target = stored.data as Record<string, unknown>;
				for (const change of list) {
					worth += this.worthOf(target[change.path[0]], change.value);
					target[change.path[0]] = deepCopy(change.value);
				}
				session.unsaved += worth + (context.durable === true ? 1e6 : 0);
				this.stats.updates += 1;
				if (context.durable === true) saveSeq = this.markForSave(session);
				this.cacheSession(session);
				return deepCopy(target) as T;
			});
			if (context.durable === true) this.waitSaved(this.requireSession(playerId), saveSeq);
			return { data, saved: context.durable === true };
		}, "SaveFailed");
	}

	/**
	 * Atomically changes two players held by this server: `fn` gets copies of both datas and returns both
	 * new datas (or undefined to call the trade off). Both results are validated; the trade commits through
	 * a DataAccessLayer transaction on both inboxes before either profile changes, so a crash at any moment
	 * leaves either no trade or the whole trade (recovered when the profiles load again). Resolves once both
	 * profiles are saved.
	 *
	 * @returns the trade id; rejects with `NotLoaded`, `ValidationFailed`, `TransferFailed` or `SaveFailed`.
	 * @example
	 * ```ts
	 * await dataService.Trade(a, b, (da, db) => [{ ...da, coins: da.coins - 50 }, { ...db, coins: db.coins + 50 }]);
	 * ```
	 */
	Trade(playerA: number, playerB: number, fn: (a: T, b: T) => [T, T] | undefined): Promise<TransferResult> {
		return this.operation(() => {
			this.checkPlayerId(playerA);
			this.checkPlayerId(playerB);
			if (playerA === playerB) throw serviceError("InvalidArgument", "a player cannot trade with itself");
			if (!this.config.enableTransactions) {
				throw serviceError("TransferFailed", "trades need enableTransactions");
			}
			const id = HttpService.GenerateGUID(false);
			const sessions = this.mutex.runAll([tostring(playerA), tostring(playerB)], () => {
				const sa = this.requireSession(playerA);
				const sb = this.requireSession(playerB);
				const result = fn(deepCopy(sa.profile.Data.data) as T, deepCopy(sb.profile.Data.data) as T);
				if (result === undefined) throw serviceError("TransferFailed", "the trade was called off");
				const [na, nb] = result;
				this.checkWhole(na);
				this.checkWhole(nb);
				const entryA = this.snapshotEntry(sa, id, na);
				const entryB = this.snapshotEntry(sb, id, nb);
				this.commit(
					[this.inboxRef(playerA), this.inboxRef(playerB)],
					[(inbox) => withEntry(inbox, id, entryA), (inbox) => withEntry(inbox, id, entryB)],
				);
				this.applySnapshot(sa, id, na, entryA.n);
				this.applySnapshot(sb, id, nb, entryB.n);
				this.stats.trades += 1;
				return [sa, sb];
			});
			this.settleTransfer(sessions, id);
			return { id };
		}, "TransferFailed");
	}

	/**
	 * Moves numeric amounts from a player held here to any player (on this server, another one, or
	 * offline): the sender loses `amounts` now, the recipient gains them exactly once, when its server
	 * claims its inbox (at once when it is online, otherwise on its next load).
	 *
	 * @param amounts - positive amounts by top-level numeric field, e.g. `{ coins: 100 }`.
	 * @returns the gift id; rejects with `InvalidArgument`, `NotLoaded`, `ValidationFailed` or `TransferFailed`.
	 * @example
	 * ```ts
	 * await dataService.SendGift(sender.UserId, friendId, { coins: 100 });
	 * ```
	 */
	SendGift(fromId: number, toId: number, amounts: Record<string, number>): Promise<TransferResult> {
		return this.operation(() => {
			this.checkPlayerId(fromId);
			this.checkPlayerId(toId);
			if (fromId === toId) throw serviceError("InvalidArgument", "a player cannot gift itself");
			if (!typeIs(amounts, "table")) throw serviceError("InvalidArgument", "amounts must be a table");
			for (const [field, amount] of pairs(amounts)) {
				if (!typeIs(field, "string") || !typeIs(amount, "number") || amount <= 0 || amount % 1 !== 0) {
					throw serviceError(
						"InvalidArgument",
						`gift amounts must be positive whole numbers (${tostring(field)})`,
					);
				}
			}
			if (!this.config.enableTransactions) throw serviceError("TransferFailed", "gifts need enableTransactions");
			const id = HttpService.GenerateGUID(false);
			const delta: DeltaEntry = { k: "d", d: deepCopy(amounts), f: fromId };
			const sender = this.mutex.run(tostring(fromId), () => {
				const session = this.requireSession(fromId);
				const updated = deepCopy(session.profile.Data.data) as Record<string, unknown>;
				for (const [field, amount] of pairs(amounts)) {
					const current = updated[field];
					if (!typeIs(current, "number")) {
						throw serviceError("InvalidArgument", `${field} is not a numeric field`);
					}
					updated[field] = current - amount;
				}
				this.checkWhole(updated);
				const entry = this.snapshotEntry(session, id, updated);
				this.commit(
					[this.inboxRef(fromId), this.inboxRef(toId)],
					[(inbox) => withEntry(inbox, id, entry), (inbox) => withEntry(inbox, id, delta)],
				);
				this.applySnapshot(session, id, updated, entry.n);
				this.stats.gifts += 1;
				return session;
			});
			const recipient = this.sessions.get(toId);
			if (recipient !== undefined) task.spawn(() => this.claimQuietly(toId));
			else this.publish({ t: "inbox", u: toId, j: this.jobId });
			this.settleTransfer([sender], id);
			return { id };
		}, "TransferFailed");
	}

	/**
	 * Saves and releases a player's profile (what PlayerRemoving does). Resolves once released.
	 * @example
	 * ```ts
	 * await dataService.ReleasePlayer(player.UserId);
	 * ```
	 */
	ReleasePlayer(playerId: number): Promise<void> {
		return new Promise((resolve) => {
			this.mutex.run(tostring(playerId), () => this.release(playerId));
			resolve();
		});
	}

	/**
	 * Structural checks of a loaded player's data: schema validity, schema version, non-negative finite
	 * currencies, session sanity, and the inbox's checksum (the DataAccessLayer verifies it on read).
	 *
	 * @returns a report; rejects with `InvalidArgument` or `NotLoaded`.
	 * @example
	 * ```ts
	 * const report = await dataService.RunConsistencyCheck(player.UserId);
	 * if (!report.ok) warn(report.issues);
	 * ```
	 */
	RunConsistencyCheck(playerId: number): Promise<ConsistencyReport> {
		return this.operation(() => {
			this.checkPlayerId(playerId);
			const session = this.requireSession(playerId);
			const stored = session.profile.Data;
			const issues = new Array<ConsistencyIssue>();
			if (this.compiled !== undefined) {
				const result = this.compiled.validate(stored.data);
				if (!result.ok) {
					for (const e of result.errors) issues.push({ check: "schema", path: e.path, message: e.message });
				}
			}
			for (const field of this.config.currencies) {
				const value = (stored.data as Record<string, unknown>)[field];
				if (
					value !== undefined &&
					(!typeIs(value, "number") || value < 0 || value !== value || value === math.huge)
				) {
					issues.push({ check: "currency", path: field, message: `${field} is ${tostring(value)}` });
				}
			}
			if (stored.v !== this.schemaVersion) {
				issues.push({
					check: "version",
					path: "",
					message: `schema version ${stored.v}, expected ${this.schemaVersion}`,
				});
			}
			if (!session.profile.IsActive()) {
				issues.push({ check: "session", path: "", message: "the profile's session lock was lost" });
			}
			const [ok, err] = pcall(() => this.dal.read(this.inboxRef(playerId), { useCache: false }).expect());
			if (!ok) issues.push({ check: "inbox", path: "", message: toServiceError(err, "LoadFailed").message });
			this.stats.consistencyChecks += 1;
			this.stats.consistencyIssues += issues.size();
			return {
				playerId,
				ok: issues.size() === 0,
				issues,
				schemaVersion: stored.v,
				checkedAt: DateTime.now().UnixTimestamp,
			};
		}, "LoadFailed");
	}

	/**
	 * The service's health: failure ratios, ProfileService's critical state and the request backlog folded
	 * into a score from 0 to 100, with what to do about each issue.
	 * @example
	 * ```ts
	 * const { status, score } = dataService.GetHealthStatus();
	 * ```
	 */
	GetHealthStatus(): HealthStatus {
		const issues = new Array<string>();
		const recommendations = new Array<string>();
		let score = 100;
		const s = this.stats;
		const ratio = (bad: number, all: number) => (all === 0 ? 0 : bad / all);
		const loadFailure = ratio(s.loadFailures, s.loads + s.loadFailures);
		if (loadFailure > 0.05) {
			score -= math.min(40, loadFailure * 100);
			issues.push(`${math.floor(loadFailure * 100)}% of profile loads failed`);
			recommendations.push("check DataStore availability and session-lock takeovers");
		}
		const durableFailure = ratio(s.durableFailures, s.durableSaves + s.durableFailures);
		if (durableFailure > 0) {
			score -= math.min(30, durableFailure * 100 + 10);
			issues.push(`${s.durableFailures} durable saves were not confirmed in time`);
			recommendations.push("raise operationTimeout or reduce DataStore load");
		}
		if (s.transferFailures > 0) {
			score -= math.min(15, s.transferFailures * 5);
			issues.push(`${s.transferFailures} gifts or trades failed to commit`);
			recommendations.push("look at DataAccessLayer transaction errors");
		}
		const pending = this.dal.getPendingCount();
		if (pending > this.config.maxConcurrentOperations * 2) {
			score -= 15;
			issues.push(`${pending} DataStore requests are waiting`);
			recommendations.push("the server is over its DataStore budget: batch or defer background writes");
		}
		const critical = (this.profileService as unknown as { CriticalState?: boolean }).CriticalState === true;
		if (critical) {
			score -= 30;
			issues.push("ProfileService reports a critical state (many DataStore errors)");
			recommendations.push("avoid non-essential DataStore traffic until it clears");
		}
		if (this.shuttingDown) {
			issues.push("the server is shutting down");
		}
		score = math.clamp(math.floor(score), 0, 100);
		return {
			status: score >= 80 ? "healthy" : score >= 50 ? "degraded" : "critical",
			issues,
			score,
			recommendations,
		};
	}

	/**
	 * Metrics of each module: the service, the data layer, the cache, the validator and ProfileService.
	 * @example
	 * ```ts
	 * print(dataService.GetStatistics().service.loads);
	 * ```
	 */
	GetStatistics(): DataServiceStatistics {
		const cacheStats = this.cache.getStats();
		const ps = this.profileService as unknown as { CriticalState?: boolean; ServiceIssueCount?: number };
		return {
			service: { ...this.stats, loadedProfiles: keyCount(this.sessions) },
			dataLayer: { requests: this.dal.getRequestCount(), pending: this.dal.getPendingCount() },
			cache: {
				enabled: this.config.enableCaching,
				hits: cacheStats.hits,
				misses: cacheStats.misses,
				size: this.cache.size(),
			},
			validator: { validated: this.validated, rejected: this.stats.rejectedUpdates },
			profiles: { criticalState: ps.CriticalState === true, issueCount: ps.ServiceIssueCount ?? 0 },
			config: {
				enableTransactions: this.config.enableTransactions,
				enableCaching: this.config.enableCaching,
				validateAllWrites: this.config.validateAllWrites,
				enableBackups: this.config.enableBackups,
				enableAuditing: this.config.enableAuditing,
				maxConcurrentOperations: this.config.maxConcurrentOperations,
				operationTimeout: this.config.operationTimeout,
				schemaVersion: this.schemaVersion,
			},
		};
	}

	/**
	 * Saves and releases every profile, the most valuable unsaved changes first, within `limit` seconds
	 * (what BindToClose runs; the platform gives 30 s in all).
	 * @example
	 * ```ts
	 * game.BindToClose(() => dataService.closeAll());
	 * ```
	 */
	closeAll(limit = 25): void {
		this.shuttingDown = true;
		const started = os.clock();
		const order = new Array<Session>();
		for (const [, session] of this.sessions) order.push(session);
		order.sort((a, b) => a.unsaved > b.unsaved);
		let pending = order.size();
		for (const session of order) {
			session.profile.ListenToHopReady(() => {
				pending -= 1;
			});
			this.release(session.userId);
		}
		while (os.clock() - started < limit && pending > 0) task.wait(0.1);
	}

	/** Disconnects the service's subscriptions (specs; the server's own shutdown does it otherwise). */
	destroy(): void {
		for (const connection of this.connections) connection.Disconnect();
		this.connections.clear();
	}

	// --- internals ---------------------------------------------------------------------------------

	private operation<R>(fn: () => R, fallback: DataServiceError["kind"]): Promise<R> {
		return new Promise((resolve, reject) => {
			this.enter();
			const [ok, result] = pcall(fn);
			this.leave();
			if (ok) resolve(result);
			else reject(toServiceError(result, fallback));
		});
	}

	private enter(): void {
		if (this.running < this.config.maxConcurrentOperations) {
			this.running += 1;
			this.stats.peakConcurrentOperations = math.max(this.stats.peakConcurrentOperations, this.running);
			return;
		}
		this.waiting.push(coroutine.running());
		coroutine.yield();
	}

	private leave(): void {
		const waiter = this.waiting.shift();
		if (waiter !== undefined) task.defer(waiter);
		else this.running -= 1;
	}

	private warn(message: string): void {
		if (this.config.warnings) warn(`[DataService] ${message}`);
	}

	private checkPlayerId(playerId: unknown): asserts playerId is number {
		if (!typeIs(playerId, "number") || playerId % 1 !== 0 || playerId === 0 || math.abs(playerId) > 2 ** 53) {
			throw serviceError(
				"InvalidArgument",
				`a player id must be a non-zero whole number, got ${tostring(playerId)}`,
			);
		}
	}

	private requireSession(playerId: number): Session {
		const session = this.sessions.get(playerId);
		if (session === undefined || !session.profile.IsActive()) {
			throw serviceError("NotLoaded", `player ${playerId} is not loaded on this server`);
		}
		return session;
	}

	private read(session: Session): object {
		const key = tostring(session.userId);
		if (this.config.enableCaching) {
			const cached = this.cache.get(key);
			if (cached !== undefined) return deepCopy(cached);
		}
		return deepCopy(session.profile.Data.data);
	}

	private cacheSession(session: Session): void {
		if (this.config.enableCaching) this.cache.set(tostring(session.userId), deepCopy(session.profile.Data.data));
	}

	private inboxRef(playerId: number): KeyRef {
		return { store: this.config.inboxStoreName, key: tostring(playerId) };
	}

	private worthOf(before: unknown, after: unknown): number {
		if (typeIs(before, "number") && typeIs(after, "number")) return math.abs(after - before) + 1;
		return 1;
	}

	/** Validates changes to `current`; throws ValidationFailed. */
	private checkChanges(current: object, list: ReadonlyArray<{ path: Array<string>; value: unknown }>): void {
		if (!this.config.validateAllWrites) return;
		this.validated += 1;
		const errors = new Array<ValidationError>();
		if (this.compiled !== undefined) {
			const result = this.compiled.validateChanges(current, list);
			if (!result.ok) for (const e of result.errors) errors.push(e);
		}
		for (const change of list) this.checkCurrency(change.path[0], change.value, errors);
		if (errors.size() > 0) {
			this.stats.rejectedUpdates += 1;
			throw serviceError("ValidationFailed", `changes rejected: ${describeErrors(errors)}`, errors);
		}
	}

	/** Validates a whole new data (transfers); throws ValidationFailed. */
	private checkWhole(data: unknown): void {
		const errors = new Array<ValidationError>();
		if (!typeIs(data, "table")) {
			throw serviceError("ValidationFailed", "a trade must return two data tables");
		}
		if (this.compiled !== undefined) {
			const result = this.compiled.validate(data);
			if (!result.ok) for (const e of result.errors) errors.push(e);
		}
		for (const field of this.config.currencies)
			this.checkCurrency(field, (data as Record<string, unknown>)[field], errors);
		this.validated += 1;
		if (errors.size() > 0) {
			this.stats.rejectedUpdates += 1;
			throw serviceError("ValidationFailed", `transfer rejected: ${describeErrors(errors)}`, errors);
		}
	}

	private checkCurrency(field: string, value: unknown, errors: Array<ValidationError>): void {
		if (!this.config.currencies.includes(field) || value === undefined) return;
		if (!typeIs(value, "number") || value < 0 || value !== value || value === math.huge) {
			errors.push({
				kind: "RuleFailed",
				path: field,
				rule: "currency",
				message: `${field} must be a finite number of at least 0`,
				value,
			});
		}
	}

	private markForSave(session: Session): number {
		session.saveSeq += 1;
		session.profile.SetMetaTag(SEQ_TAG, session.saveSeq);
		return session.saveSeq;
	}

	private savedSeq(session: Session): number {
		const latest = session.profile.MetaData.MetaTagsLatest as unknown as Record<string, unknown> | undefined;
		const value = latest?.[SEQ_TAG];
		return typeIs(value, "number") ? value : 0;
	}

	/** Yields until the profile's save that carries `seq` reached the DataStore; throws SaveFailed. */
	private waitSaved(session: Session, seq: number): void {
		const started = os.clock();
		let lastSave = -math.huge;
		while (this.savedSeq(session) < seq) {
			if (!session.profile.IsActive() && this.savedSeq(session) < seq) {
				this.stats.durableFailures += 1;
				throw serviceError("SaveFailed", `player ${session.userId}: the profile was released before the save`);
			}
			if (os.clock() - started > this.config.operationTimeout) {
				this.stats.durableFailures += 1;
				throw serviceError(
					"SaveFailed",
					`player ${session.userId}: save not confirmed within ${this.config.operationTimeout} s`,
				);
			}
			if (os.clock() - lastSave >= 1) {
				// Save() is ignored while a save is queued: ask again until one carrying seq has started.
				session.profile.Save();
				lastSave = os.clock();
			}
			task.wait(0.1);
		}
		session.unsaved = 0;
		this.stats.durableSaves += 1;
	}

	private snapshotEntry(session: Session, id: string, data: object) {
		const applied = new Array<string>();
		for (const [key] of pairs(session.profile.Data.applied)) applied.push(key);
		applied.push(id);
		return { k: "s" as const, n: session.profile.Data.seq + 1, d: deepCopy(data), a: applied };
	}

	private applySnapshot(session: Session, id: string, data: object, seq: number): void {
		const stored = session.profile.Data;
		stored.data = deepCopy(data);
		stored.applied[id] = true;
		stored.seq = seq;
		session.unsaved += 1e6;
		this.cacheSession(session);
	}

	private commit(
		refs: [KeyRef, KeyRef],
		changes: [(inbox?: InboxDocument) => InboxDocument, (inbox?: InboxDocument) => InboxDocument],
	): void {
		const [ok, result] = pcall(() =>
			this.dal
				.transaction(refs, (slots) => [
					changes[0](slots[0].data as InboxDocument | undefined),
					changes[1](slots[1].data as InboxDocument | undefined),
				])
				.expect(),
		);
		if (!ok || !result.committed) {
			this.stats.transferFailures += 1;
			throw serviceError(
				"TransferFailed",
				`the transfer did not commit: ${toServiceError(result, "TransferFailed").message}`,
			);
		}
	}

	/** After a committed transfer: save the changed profiles, then drop their inbox entries. */
	private settleTransfer(sessions: ReadonlyArray<Session>, id: string): void {
		const failures = new Array<defined>();
		const threads = sessions.map((session) => {
			const seq = this.markForSave(session);
			return task.spawn(() => {
				const [ok, err] = pcall(() => this.waitSaved(session, seq));
				if (!ok) failures.push(err as defined);
			});
		});
		while (threads.some((t) => coroutine.status(t) !== "dead")) task.wait(0.05);
		if (failures.size() > 0) throw toServiceError(failures[0], "SaveFailed");
		for (const session of sessions) this.removeEntries(session, new Set([id]));
	}

	/** Removes claimed entries from a player's inbox, then forgets their ids (they can never come back). */
	private removeEntries(session: Session, ids: ReadonlySet<string>): void {
		const [ok] = pcall(() =>
			this.dal
				.update<InboxDocument>(this.inboxRef(session.userId), (inbox) => withoutEntries(inbox, ids))
				.expect(),
		);
		if (!ok) return; // Left for the next claim: the ids stay applied, so the entries are skipped.
		for (const id of ids) delete session.profile.Data.applied[id];
	}

	/** Applies whatever the inbox holds for a held player; saves before removing the entries. */
	private claimInbox(session: Session): void {
		const doc = this.dal.read<InboxDocument>(this.inboxRef(session.userId), { useCache: false }).expect();
		const inbox = doc?.data;
		if (inbox === undefined) return;
		const stored = session.profile.Data;
		const applied = new Set<string>();
		for (const [id] of pairs(stored.applied)) applied.add(id);
		const plan = planClaim(inbox, applied);
		if (plan.removable.size() === 0) return;
		if (plan.snapshot !== undefined) {
			stored.data = deepCopy(plan.snapshot.d);
			stored.seq = math.max(stored.seq, plan.snapshot.n);
		}
		const target = stored.data as Record<string, unknown>;
		for (const [, entry] of plan.deltas) {
			for (const [field, amount] of pairs(entry.d)) {
				const current = target[field];
				target[field] = (typeIs(current, "number") ? current : 0) + amount;
			}
		}
		for (const id of plan.newlyApplied) stored.applied[id] = true;
		if (plan.newlyApplied.size() > 0) {
			this.stats.inboxClaims += plan.newlyApplied.size();
			session.unsaved += 1e6;
			this.cacheSession(session);
			this.waitSaved(session, this.markForSave(session));
		}
		this.removeEntries(session, new Set(plan.removable));
	}

	private claimQuietly(playerId: number): void {
		const [ok, err] = pcall(() =>
			this.mutex.run(tostring(playerId), () => {
				const session = this.sessions.get(playerId);
				if (session !== undefined && session.profile.IsActive()) this.claimInbox(session);
			}),
		);
		if (!ok) this.warn(`inbox claim of ${playerId} failed: ${toServiceError(err, "LoadFailed").message}`);
	}

	private load(playerId: number): Session {
		const started = os.clock();
		let requests = 0;
		let acked = false;
		const profile = this.store.LoadProfileAsync(`Player_${playerId}`, (_placeId, jobId) => {
			// Called each time the profile is found locked by another session.
			while (!acked && requests < this.config.releaseRequests) {
				this.acks.delete(playerId);
				this.publish({ t: "release", u: playerId, j: this.jobId });
				this.stats.releaseRequestsSent += 1;
				requests += 1;
				const askedAt = os.clock();
				while (os.clock() - askedAt < this.config.ackTimeout) {
					if (this.acks.has(playerId)) {
						acked = true;
						this.stats.releaseRequestsAnswered += 1;
						break;
					}
					task.wait(0.1);
				}
			}
			if (!acked) {
				// Nobody answered any request: the holder crashed (or is unreachable); take its session over.
				this.stats.takeovers += 1;
				this.warn(`player ${playerId}: holder ${jobId} did not answer; taking its session over`);
				return "Steal";
			}
			if (os.clock() - started > this.config.releaseTimeout) {
				this.stats.takeovers += 1;
				return "ForceLoad";
			}
			task.wait(0.5);
			return "Repeat";
		}) as Profile<StoredProfile, unknown> | undefined;
		if (profile === undefined) {
			this.stats.loadFailures += 1;
			throw serviceError("LoadFailed", `player ${playerId}: the profile could not be loaded`);
		}
		profile.AddUserId(playerId);
		const stored = profile.Data;
		if (this.config.enableMigration) {
			while (stored.v < this.schemaVersion) {
				stored.data = this.config.migrations[stored.v - 1](stored.data);
				stored.v += 1;
			}
		}
		profile.Reconcile();
		const session: Session = { userId: playerId, profile, unsaved: 0, saveSeq: 0 };
		const latest = this.savedSeq(session);
		session.saveSeq = latest;
		this.sessions.set(playerId, session);
		profile.ListenToRelease(() => {
			if (this.sessions.get(playerId) === session) {
				this.sessions.delete(playerId);
				this.cache.delete(tostring(playerId));
			}
		});
		const [ok, err] = pcall(() => this.claimInbox(session));
		if (!ok) this.warn(`inbox of ${playerId} not claimed: ${toServiceError(err, "LoadFailed").message}`);
		this.cacheSession(session);
		this.stats.loads += 1;
		const elapsed = os.clock() - started;
		this.stats.averageLoadSeconds += (elapsed - this.stats.averageLoadSeconds) / this.stats.loads;
		return session;
	}

	private release(playerId: number): void {
		const session = this.sessions.get(playerId);
		if (session === undefined) return;
		this.sessions.delete(playerId);
		this.cache.delete(tostring(playerId));
		this.releasing.add(playerId);
		session.profile.ListenToHopReady(() => {
			if (!this.sessions.has(playerId)) this.releasing.delete(playerId);
		});
		session.profile.Release();
	}

	/**
	 * Releases a player who left, at the end of the frame, together with everyone who left in that frame,
	 * the most valuable unsaved changes first: a shutdown removes every player before BindToClose runs,
	 * and releasing each on PlayerRemoving would queue their saves in the order they were removed.
	 */
	private releaseLeaving(playerId: number): void {
		if (this.leaving.size() === 0) {
			task.defer(() => {
				const batch = new Array<Session>();
				for (const userId of this.leaving) {
					const session = this.sessions.get(userId);
					if (session !== undefined) batch.push(session);
				}
				this.leaving.clear();
				batch.sort((a, b) => a.unsaved > b.unsaved);
				for (const session of batch) this.ReleasePlayer(session.userId).catch(() => undefined);
			});
		}
		this.leaving.add(playerId);
	}

	private publish(message: Message): void {
		task.spawn(() => {
			const [ok, err] = pcall(() => this.messaging.PublishAsync(this.config.topic, message));
			if (!ok) this.warn(`publish ${message.t} for ${message.u} failed: ${tostring(err)}`);
		});
	}

	private onMessage(raw: unknown): void {
		if (!typeIs(raw, "table")) return;
		const message = raw as Partial<Message>;
		const userId = message.u;
		if (!typeIs(userId, "number") || !typeIs(message.j, "string")) return;
		if (message.t === "release") {
			if (message.j === this.jobId) return;
			if (!this.sessions.has(userId)) {
				// Already leaving (a teleport): say so, so the asker waits for the release save instead of stealing.
				if (this.releasing.has(userId)) this.publish({ t: "ack", u: userId, j: message.j });
				return;
			}
			this.stats.releasesForOthers += 1;
			this.publish({ t: "ack", u: userId, j: message.j });
			task.spawn(() => {
				this.mutex.run(tostring(userId), () => this.release(userId));
				const player = Players.GetPlayerByUserId(userId);
				if (player !== undefined) player.Kick("Your data was opened on another server.");
			});
		} else if (message.t === "ack") {
			if (message.j === this.jobId) this.acks.add(userId);
		} else if (message.t === "inbox") {
			if (this.sessions.has(userId)) task.delay(INBOX_NUDGE_WAIT, () => this.claimQuietly(userId));
		}
	}
}
