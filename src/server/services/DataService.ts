import type { ProfileStore } from "@rbxts/profileservice/globals";
import {
	DataStoreService,
	HttpService,
	MarketplaceService,
	MemoryStoreService,
	MessagingService,
	Players,
} from "@rbxts/services";
import { BackupManager } from "shared/core/BackupManager";
import { CacheManager } from "shared/core/CacheManager";
import { AuditLevel, AuditLogger } from "shared/core/AuditLogger";
import { DataAccessLayer, DataAuditEvent } from "shared/core/DataAccessLayer";
import { CompiledSchema, DataValidator } from "shared/core/DataValidator";
import { sensitivePathsOf } from "shared/core/validator/sensitivePathsOf";
import type { FieldEncryption } from "shared/core/security/FieldEncryption";
import { Adoption } from "./data/Adoption";
import { Amounts, checkAmounts } from "./data/Amounts";
import { ChangeValidator } from "./data/ChangeValidator";
import { ConsistencyChecker, QuarantineIncident } from "shared/core/ConsistencyChecker";
import { ConsistencyChecks } from "./data/ConsistencyCheck";
import type { DuplicateScanResult, ProfileListing } from "./data/DuplicateScan";
import { DataServiceConfig, ResolvedConfig, resolveConfig } from "./data/DataServiceConfig";
import { DataServiceError, serviceError } from "./data/DataServiceError";
import { DurableSaves } from "./data/DurableSaves";
import { assessHealth } from "./data/Health";
import { InboxClaims } from "./data/InboxClaims";
import { InboxLedger } from "./data/InboxLedger";
import { KeyedMutex } from "shared/core/dal/KeyedMutex";
import { OperationGate } from "./data/OperationGate";
import { backupStage } from "./data/pipeline/BackupStage";
import { EmergencyBackups } from "./data/EmergencyBackups";
import type { BudgetSource } from "shared/core/dal/RequestScheduler";
import type { PipelineStage } from "./data/pipeline/PipelineStage";
import { WritePipeline } from "./data/pipeline/WritePipeline";
import { PlayerUpdates, UpdateInput } from "./data/PlayerUpdates";
import { ProfileViews } from "./data/ProfileViews";
import { ProfileReleases } from "./data/ProfileReleases";
import { checkReceipt, ProductGrant, Receipts } from "./data/Receipts";
import { ReleaseMarks } from "./data/ReleaseMarks";
import { ReleaseMessaging } from "./data/ReleaseMessaging";
import { ReleaseRequests } from "./data/ReleaseRequests";
import { Restores } from "./data/Restores";
import { MemoryStoreServiceLike, ServerPresence } from "./data/ServerPresence";
import type { ServiceContext } from "./data/ServiceContext";
import type { StoredProfile } from "./data/Session";
import { SealedProfiles } from "./data/SealedProfiles";
import { SessionHandoff } from "./data/SessionHandoff";
import { SessionLoader } from "./data/SessionLoader";
import { ProfileMigrations } from "./data/ProfileMigrations";
import type { BatchOptions, DataMigrationTool, MigrationRun } from "shared/core/DataMigrationTool";
import { AuditedOperation, PlayerErasure, ServiceAudit } from "./data/ServiceAudit";
import { SessionRegistry } from "./data/SessionRegistry";
import { SessionLockStore } from "./data/session/SessionLockStore";
import { newStatistics, reportedConfig } from "./data/Statistics";
import { TradeOffers } from "./data/TradeOffers";
import { toServiceError } from "./data/TransferResults";
import { Transfers } from "./data/Transfers";
import { MetricsRecorder } from "./metrics/MetricsRecorder";
import type { HealthChange, MetricsRange, MetricsReport } from "./metrics/MetricsTypes";
import { Signal } from "./metrics/Signal";

export { DEFAULT_SCHEMA, DEFAULT_TEMPLATE } from "./data/DataServiceConfig";
export type { DataServiceConfig, TradeOfferView } from "./data/DataServiceConfig";
export type { AdoptionConfig, AdoptionSource } from "./data/AdoptionConfig";
export type { ConsistencyOptions } from "./data/ConsistencyOptions";
export type { DuplicateHolding, DuplicateScanResult } from "./data/DuplicateScan";
export type { TradeOutcome } from "./data/Inbox";
export type {
	ChangeKind,
	ChangeSide,
	PipelineChange,
	PipelineStage,
	StageRefusal,
	StageSlot,
} from "./data/pipeline/PipelineStage";
export type { UpdateInput } from "./data/PlayerUpdates";
export type { ProductGrant } from "./data/Receipts";
export type { PlayerErasure } from "./data/ServiceAudit";
export type * from "./data/DataServiceTypes";
import type {
	ConsistencyReport,
	DataServiceServices,
	DataServiceStatistics,
	DataStoreServiceLike,
	HealthStatus,
	MessagingServiceLike,
	ProfileServiceLike,
	ServiceStatistics,
	TradeOfferOptions,
	TradeOfferResult,
	TransferResult,
	UpdateContext,
	UpdateResult,
} from "./data/DataServiceTypes";
export type { DataServiceError, DataServiceErrorKind } from "./data/DataServiceError";
export type { AlertThresholds, MetricsConfig } from "./metrics/MetricsConfig";
export type { AlertStatus, HealthChange, MetricsRange, MetricsReport, MetricsSample } from "./metrics/MetricsTypes";
export type { HistogramSnapshot } from "./metrics/LatencyHistogram";
export type { SignalConnection } from "./metrics/Signal";

/**
 * The server's facade over player data. Every change of a player's data — an update, a durable update,
 * a trade, a gift, a trade offer and its settlement, a client's StateManager proposal, an inbox delivery,
 * a migration on load — passes one write pipeline (`data/pipeline/WritePipeline.ts`): lock, validate,
 * backup, write, cache, audit, consistency, commit. The rooms behind this facade each do one job:
 *
 * - `SessionLoader` / `ProfileReleases` / `SessionRegistry`: sessions under the session lock of `data/session/`
 *   (load, release, held);
 * - `ReleaseMessaging`: release requests and inbox nudges between servers;
 * - `PlayerUpdates`: UpdatePlayerData and IncrementPlayerData;
 * - `Transfers` / `TradeOffers` / `InboxClaims`: exactly-once gifts, trades and offers through inboxes;
 * - `DurableSaves`: knowing when a change reached the DataStore;
 * - `Receipts`: developer products granted exactly once (ProcessReceipt);
 * - `OperationGate`: at most `maxConcurrentOperations` at once;
 * - `ChangeValidator`, `ConsistencyCheck`, `Health`, `Statistics`.
 *
 * Every asynchronous method returns a Promise that rejects with a {@link DataServiceError}.
 *
 * @example
 * ```ts
 * const dataService = new DataService({ schema: MY_SCHEMA, template: MY_TEMPLATE });
 * await dataService.LoadPlayerData(player.UserId);
 * // Atomic: the function runs on the current data under the player's lock.
 * await dataService.UpdatePlayerData(player.UserId, (data) => ({ coins: data.coins + 100 }), { source: "quest" });
 * await dataService.IncrementPlayerData(player.UserId, { gems: 50 }, { source: "purchase", durable: true });
 * ```
 */
export class DataService<T extends object = typeof import("./data/DataServiceConfig").DEFAULT_TEMPLATE> {
	private readonly config: ResolvedConfig;
	private readonly ctx: ServiceContext;
	private readonly stats: ServiceStatistics = newStatistics();
	private readonly dal: DataAccessLayer;
	private readonly cache: CacheManager<object>;
	private readonly gate: OperationGate;
	private readonly presence: ServerPresence;
	private readonly releaseRequests: ReleaseRequests;
	private readonly profileService: ProfileServiceLike;
	/** DataService's own session lock (absent when the services give a ProfileService). */
	private readonly lockStore?: SessionLockStore;
	private readonly loader: SessionLoader;
	private readonly releases: ProfileReleases;
	private readonly updates: PlayerUpdates;
	private readonly transfers: Transfers;
	private readonly receipts: Receipts;
	private readonly schemaVersion: number;
	private readonly connections = new Array<RBXScriptConnection>();
	private readonly backups?: BackupManager;
	private readonly audit?: AuditLogger;
	private emergencies?: EmergencyBackups;
	/** ProfileService's WipeProfileAsync of a player's profile key (right to erasure). */
	private readonly wipeProfile: (userId: number) => boolean;
	private readonly saveListeners = new Set<(playerId: number, savedMark: number) => void>();
	private readonly views?: ProfileViews<T>;
	private readonly consistency?: ConsistencyChecks;
	/** The stored value of a player's profile key (one GetAsync past the engine's cache). */
	private readonly readStored: (userId: number) => unknown;
	/** The stored value of a player's profile key as it is (sealed fields left sealed): its session lock. */
	private readonly readLock: (userId: number) => unknown;
	private readonly metrics: MetricsRecorder;

	/**
	 * Fires when the alert status changes: the worst of the health score and the thresholds of
	 * `metrics.alerts` (queue depth, DataStore budget, backup recovery point), checked every second. Each
	 * listener runs in its own thread, so it may yield (post to a webhook: see `bindHealthWebhook`).
	 * @example
	 * ```ts
	 * dataService.HealthChanged.Connect((change) => warn(`[Data] ${change.previous} -> ${change.status}: ${change.reasons.join("; ")}`));
	 * ```
	 */
	readonly HealthChanged = new Signal<HealthChange>();
	private readonly fieldEncryption?: FieldEncryption;
	private readonly sealed?: SealedProfiles;
	private readonly migrations: ProfileMigrations;
	/** The profile store's keys and values, for the offline duplicate scan. */
	private readonly profileListing: ProfileListing;

	/**
	 * @param config - the original SERVICE_CONFIG switches and profile settings (see {@link DataServiceConfig}).
	 * @param services - the services to use; each defaults to the real one.
	 * @throws a plain message when the config is malformed, a switch is refused, or the template breaks the schema.
	 */
	constructor(config: DataServiceConfig<T> = {}, services: DataServiceServices = {}) {
		this.config = resolveConfig(config);
		const jobId = game.JobId !== "" ? game.JobId : HttpService.GenerateGUID(false);
		// The layer's conflicts, throttling waits and retries reach the audit trail once it exists.
		let dataAccessHook: ((event: DataAuditEvent) => void) | undefined;
		this.dal =
			services.dataAccessLayer ??
			new DataAccessLayer({ warnings: this.config.warnings, audit: (event) => dataAccessHook?.(event) });
		this.fieldEncryption = services.fieldEncryption;
		this.cache = services.cache ?? new CacheManager<object>();
		let compiled: CompiledSchema<unknown> | undefined;
		if (this.config.schema !== undefined) {
			compiled = (services.validator ?? new DataValidator()).compile(this.config.schema);
			const result = compiled.validate(this.config.template);
			if (!result.ok) {
				const first = result.errors[0];
				error(
					`[DataService] the template breaks the schema: ${first.path === "" ? "(root)" : first.path}: ${first.message}`,
					0,
				);
			}
		}
		this.schemaVersion = this.config.migrations.size() + 1;
		const validator = new ChangeValidator(
			compiled,
			this.config.currencies,
			this.config.validateAllWrites,
			this.stats,
		);
		const sessions = new SessionRegistry(this.stats);
		const locks = new KeyedMutex();
		const saves = new DurableSaves(this.config.operationTimeout, this.stats);
		saves.onSaved = (session) => {
			const mark = saves.savedMark(session);
			// What other servers' views show is what the store holds: it changed with this save.
			this.views?.invalidate(session.userId);
			for (const listener of this.saveListeners) task.spawn(listener, session.userId, mark);
		};
		const warn = (message: string) => {
			if (this.config.warnings) warn(`[DataService] ${message}`);
		};
		const pipeline = new WritePipeline(locks, sessions, validator, saves, {
			batchOperations: this.config.batchOperations,
			operationTimeout: this.config.operationTimeout,
			warn,
		});
		if (this.config.enableAuditing) {
			const audit =
				services.auditLogger ??
				new AuditLogger({
					dataAccessLayer: this.dal,
					warnings: this.config.warnings,
					// The schema's `sensitive: true` fields: one marker for the trail, the admin API and encryption.
					sensitivePaths: this.config.schema !== undefined ? sensitivePathsOf(this.config.schema) : [],
					fieldEncryption: services.fieldEncryption,
				});
			pipeline.addStage(audit.GetStage());
			dataAccessHook = audit.GetDataAccessHook();
			this.audit = audit;
		}
		const ctx: ServiceContext = {
			config: this.config,
			stats: this.stats,
			jobId,
			sessions,
			locks,
			inboxes: new InboxLedger(this.dal, this.config.inboxStoreName),
			saves,
			validator,
			pipeline,
			audit: new ServiceAudit(this.audit),
			rooms: undefined as unknown as ServiceContext["rooms"],
			warn,
		};
		this.ctx = ctx;
		this.releases = new ProfileReleases(ctx, () => ctx.rooms.messaging);
		const messaging = new ReleaseMessaging(
			ctx,
			services.messagingService ?? (MessagingService as unknown as MessagingServiceLike),
			(playerId) => this.releases.release(playerId),
		);
		(ctx as { rooms: ServiceContext["rooms"] }).rooms = {
			claims: new InboxClaims(ctx),
			offers: new TradeOffers(ctx),
			messaging,
		};
		this.gate = new OperationGate(this.config.maxConcurrentOperations, this.stats);
		this.updates = new PlayerUpdates(ctx);
		this.transfers = new Transfers(ctx);
		this.receipts = new Receipts(ctx);
		const memoryStore = services.memoryStoreService ?? (MemoryStoreService as unknown as MemoryStoreServiceLike);
		if (this.config.enableBackups || this.config.backupBeforeUpdates) {
			this.backups = this.attachBackups(
				services.backupManager,
				(services.dataStoreService ?? DataStoreService) as unknown as BudgetSource,
			);
		}
		this.presence = new ServerPresence(memoryStore.GetHashMap(`${this.config.topic}.Servers`), jobId);
		const marks = new ReleaseMarks(memoryStore.GetHashMap(`${this.config.topic}.Released`), jobId);
		this.releases.marks = marks;
		const stats = this.stats;
		this.releaseRequests = new ReleaseRequests(
			memoryStore.GetHashMap(`${this.config.topic}.Requests`),
			jobId,
			{
				count() {
					return sessions.count();
				},
				polled() {
					stats.releaseRequestPolls += 1;
				},
			},
			(userId, asker, loadCount) => messaging.honour(userId, asker, loadCount),
		);
		if (this.config.bindPlayers) game.BindToClose(() => this.CloseAll());
		// The session lock is DataService's own unless the services give one (a ProfileService: required by
		// the game only after this constructor, so CloseAll, bound first, starts the release saves most
		// valuable first). Its own BindToClose releases what CloseAll did not (bindPlayers off).
		if (services.profileService === undefined) {
			const lockStore = new SessionLockStore({
				durabilityWindow: this.config.durabilityWindow,
				jobId,
				warnings: this.config.warnings,
				onForceLoad: (key) => {
					const [digits] = key.match("^Player_(%d+)$");
					const playerId = digits !== undefined ? tonumber(digits) : undefined;
					if (playerId !== undefined) messaging.requestRelease(playerId, false);
				},
			});
			// No limit of its own: Roblox stops the server 30 s after the close began, and every write that
			// lands before then counts.
			game.BindToClose(() => lockStore.close(math.huge));
			this.lockStore = lockStore;
		}
		this.profileService = services.profileService ?? this.lockStore!;
		const adoption =
			this.config.adopt !== undefined
				? new Adoption(
						ctx,
						this.config.adopt,
						services.dataStoreService ?? (DataStoreService as unknown as DataStoreServiceLike),
					)
				: undefined;
		const template: StoredProfile = { v: this.schemaVersion, data: this.config.template, applied: {}, seq: 0 };
		// A new profile made while adoption reads another store: not looked at yet (see Adoption).
		if (adoption?.marksTemplate()) (template as StoredProfile & { n?: boolean }).n = true;
		const store: ProfileStore<object, unknown> = this.profileService.GetProfileStore(
			this.config.profileStoreName,
			template,
		);
		this.wipeProfile = (userId) => store.WipeProfileAsync(`Player_${userId}`);
		this.sealed =
			services.fieldEncryption !== undefined
				? new SealedProfiles(services.fieldEncryption, services.auditLogger)
				: undefined;
		const sealed = this.sealed;
		sealed?.wrap(store);
		this.migrations = new ProfileMigrations(this.config, this.dal, validator, undefined, sealed);
		this.migrations.start(warn);
		if (this.config.enableConsistencyChecks) this.consistency = this.attachConsistency(services);
		const consistency = this.consistency;
		const checkOnRead =
			this.config.checkConsistencyOnRead && consistency !== undefined
				? (session: Parameters<ConsistencyChecks["run"]>[0], inboxEmpty: boolean) =>
						consistency.onLoad(session, this.config.consistency.repair !== false, inboxEmpty).refusal
				: undefined;
		this.loader = new SessionLoader(
			ctx,
			store,
			// readLock is set below, before any load can run.
			new SessionHandoff(ctx, messaging, this.presence, marks, this.releaseRequests, (userId) =>
				this.readLock(userId),
			),
			this.schemaVersion,
			checkOnRead,
			adoption,
			this.migrations,
			sealed,
		);
		messaging.start();
		const profiles = (
			services.dataStoreService ?? (DataStoreService as unknown as DataStoreServiceLike)
		).GetDataStore(this.config.profileStoreName);
		// Past the engine's 4 s GetAsync cache, or a view read just after a save shows the value before it.
		const fresh = new Instance("DataStoreGetOptions");
		fresh.UseCache = false;
		// The handoff reads only the session lock (MetaData): the stored value as it is, no fields opened.
		this.readLock = (userId) => profiles.GetAsync(`Player_${userId}`, fresh)[0];
		this.readStored = (userId) => {
			const value = profiles.GetAsync(`Player_${userId}`, fresh)[0];
			return sealed !== undefined ? sealed.openStored(`Player_${userId}`, value) : value;
		};
		this.profileListing = {
			listPage: (cursor, pageSize) => {
				if (profiles.ListKeysAsync === undefined) error("the data store service given cannot list keys", 0);
				const pages = profiles.ListKeysAsync("Player_", pageSize, cursor);
				const keys = (pages.GetCurrentPage() as unknown as Array<DataStoreKey>).map((key) => key.KeyName);
				return { keys, cursor: pages.IsFinished ? undefined : pages.Cursor };
			},
			read: (key) => {
				const value = profiles.GetAsync(key, fresh)[0];
				return storedData(sealed !== undefined ? sealed.openStored(key, value) : value);
			},
		};
		if (this.config.enableCaching) {
			this.views = new ProfileViews<T>({
				cache: this.cache,
				read: this.readStored,
				view: storedData,
				messaging: services.messagingService,
				topic: `${this.config.topic}.Views`,
				jobId,
				warn,
			});
		}
		if (this.config.bindPlayers) {
			this.connections.push(
				Players.PlayerRemoving.Connect((player) => this.releases.releaseLeaving(player.UserId)),
			);
		}
		if (this.config.loadOnJoin) {
			this.connections.push(Players.PlayerAdded.Connect((player) => this.loadJoined(player)));
			for (const player of Players.GetPlayers()) task.spawn(() => this.loadJoined(player));
		}
		this.metrics = this.startMetrics(services);
	}

	/**
	 * Loads a player's profile under a session lock (asking a holder on another server to release it
	 * first), migrates it, checks it against the schema, claims its inbox, and resolves with a copy of its
	 * data. Resolves at once when the profile is already held here.
	 *
	 * @param playerId - the player's UserId.
	 * @returns a copy of the data; rejects with `InvalidArgument`, `LoadFailed`, `InvalidData` (the stored
	 *   data breaks the schema or is of a newer version: left untouched), `TimedOut` or `ShuttingDown`.
	 * @example
	 * ```ts
	 * const data = await dataService.LoadPlayerData(player.UserId);
	 * ```
	 */
	LoadPlayerData(playerId: number): Promise<T> {
		return this.load(playerId, false);
	}

	/**
	 * LoadPlayerData; with `onlyIfFree`, a player held by another live server is refused (`SessionLocked`)
	 * instead of asked to release: an operator's offline act (a restore) never ends a player's session.
	 */
	private load(playerId: number, onlyIfFree: boolean): Promise<T> {
		return this.operation(
			"LoadFailed",
			(startedAt) => {
				checkPlayerId(playerId, "playerId");
				return this.ctx.locks.run(tostring(playerId), () => {
					checkDeadline(startedAt, this.config.operationTimeout);
					const existing = this.ctx.sessions.get(playerId);
					if (existing !== undefined) return this.ctx.sessions.read(existing) as T;
					if (this.releases.shuttingDown) {
						throw serviceError("ShuttingDown", `cannot load ${playerId}: the server is closing`);
					}
					return this.ctx.sessions.read(this.loader.load(playerId, startedAt, onlyIfFree)) as T;
				});
			},
			undefined,
			{ name: "LoadPlayerData", players: [playerId] },
		);
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
		const session = this.ctx.sessions.get(playerId);
		return session !== undefined ? (this.ctx.sessions.read(session) as T) : undefined;
	}

	/**
	 * A read-only view of any player's data: a player held here answers from memory (one frozen copy shared
	 * by every view until the player's next change, so a view costs no copy); any other (on another
	 * server, or offline) from a cache of what the DataStore holds, kept at most 30 s and dropped on every
	 * server when the player's holder saves (a lost invalidation message is bounded by the 30 s), so a view
	 * costs a DataStore read only when none is cached. With `enableCaching: false` every view of a player
	 * not held here reads the DataStore.
	 *
	 * @returns the data, frozen (read-only), or undefined for a player without data;
	 *   rejects with `InvalidArgument` or `LoadFailed` (the read failed).
	 * @example
	 * ```ts
	 * const friend = await dataService.ViewPlayerData(friendId);
	 * print(friend?.coins);
	 * ```
	 */
	ViewPlayerData(playerId: number): Promise<Readonly<T> | undefined> {
		return this.operation(
			"LoadFailed",
			() => {
				checkPlayerId(playerId, "playerId");
				const session = this.ctx.sessions.get(playerId);
				if (session !== undefined) return this.ctx.sessions.view(session) as T;
				if (this.views !== undefined) return this.views.get(playerId).expect();
				return storedData<T>(this.readStored(playerId));
			},
			undefined,
			{ name: "ViewPlayerData", players: [playerId] },
			"view",
		);
	}

	/**
	 * Changes a loaded player's data. Give a **function**: it runs under the player's lock on a copy of the
	 * current data and returns the changed top-level fields (or undefined to change nothing) — atomic,
	 * nothing else can change the data between its read and its write; it must not yield (a yield is a
	 * `TransformFailed` error and nothing changes). Or give a table of new values by top-level field:
	 * last writer wins, so never compute it from data read before the call. The change is validated
	 * (nothing changes when any field is invalid) and passes the write pipeline. With `context.durable`
	 * it resolves only once the change is saved to the DataStore.
	 *
	 * @param playerId - the player's UserId.
	 * @param input - `(data) => changes`, or the changes.
	 * @param context - where the change comes from, e.g. `{ source: "quest_completion", questId: "daily_bonus" }`.
	 * @returns the data after the change; rejects with `InvalidArgument`, `ValidationFailed`, `TransformFailed`,
	 *   `Refused`, `NotLoaded`, `TimedOut` or `SaveFailed` (durable: applied, not confirmed saved).
	 * @example
	 * ```ts
	 * await dataService.UpdatePlayerData(id, (data) => ({ coins: data.coins + 10 }), { source: "timer" });
	 * await dataService.UpdatePlayerData(id, { settings: { music: false } }, { source: "settings_menu" });
	 * ```
	 */
	UpdatePlayerData(playerId: number, input: UpdateInput<T>, context: UpdateContext = {}): Promise<UpdateResult<T>> {
		return this.updateOperation(
			context,
			(startedAt) => {
				checkPlayerId(playerId, "playerId");
				if (!typeIs(input, "table") && !typeIs(input, "function")) {
					throw serviceError(
						"InvalidArgument",
						`changes must be a table or a function, got ${typeOf(input)}`,
					);
				}
				const kind = context.durable === true ? "durableUpdate" : "update";
				return this.updates.update<T>(playerId, input, context, kind, startedAt);
			},
			{ name: "UpdatePlayerData", players: [playerId] },
		);
	}

	/**
	 * Applies a client's state proposal (one top-level field) through the write pipeline as a
	 * `syncProposal`. Used by DataServiceAuthority; a game calls UpdatePlayerData.
	 * @internal
	 * @example
	 * ```ts
	 * dataService.applyProposal(player.UserId, "settings", { music: false }, 17);
	 * ```
	 */
	applyProposal(playerId: number, key: string, value: unknown, requestId: number): Promise<UpdateResult<T>> {
		const context: UpdateContext = { source: "client_state", requestId };
		return this.updateOperation(
			context,
			(startedAt) => {
				checkPlayerId(playerId, "playerId");
				const changes = { [key]: value } as unknown as Partial<T>;
				return this.updates.update<T>(playerId, changes, context, "syncProposal", startedAt);
			},
			{ name: "applyProposal", players: [playerId] },
		);
	}

	/**
	 * Adds to numeric fields of a loaded player's data, by top-level name or dotted path (missing fields and
	 * tables count as 0 and are made), atomically under the player's lock; negative amounts subtract. The
	 * result is validated like any change (a currency or a schema minimum refuses going below it).
	 *
	 * @param amounts - finite numbers by field path, e.g. `{ coins: 25, "inventory.sword": 1 }`.
	 * @returns the data after the change; rejects like {@link UpdatePlayerData}.
	 * @example
	 * ```ts
	 * await dataService.IncrementPlayerData(id, { coins: -30, "inventory.potion": 1 }, { source: "shop" });
	 * ```
	 */
	IncrementPlayerData(
		playerId: number,
		amounts: Record<string, number>,
		context: UpdateContext = {},
	): Promise<UpdateResult<T>> {
		return this.updateOperation(
			context,
			(startedAt) => {
				checkPlayerId(playerId, "playerId");
				return this.updates.increment<T>(playerId, amounts, context, startedAt);
			},
			{ name: "IncrementPlayerData", players: [playerId] },
		);
	}

	/**
	 * Atomically changes two players held by this server: `fn` gets copies of both datas and returns both
	 * new datas (or undefined to call the trade off); it must not yield. Both results are validated; the
	 * trade commits through a DataAccessLayer transaction on both inboxes before either profile changes,
	 * so a crash at any moment leaves either no trade or the whole trade. Resolves once committed, saying
	 * whether both profiles were confirmed saved; never rejects after the commit. With a player on another
	 * server (or offline), use {@link DataService.OfferTrade}.
	 *
	 * @returns `{ id, committed: true, saved }`; rejects (nothing moved) with `NotLoaded`, `ValidationFailed`,
	 *   `TransformFailed`, `Refused` or `TransferFailed`.
	 * @example
	 * ```ts
	 * await dataService.Trade(a, b, (da, db) => [{ ...da, coins: da.coins - 50 }, { ...db, coins: db.coins + 50 }]);
	 * ```
	 */
	Trade(
		playerA: number,
		playerB: number,
		fn: (a: T, b: T) => [T, T] | undefined,
		context: UpdateContext = {},
	): Promise<TransferResult> {
		return this.operation(
			"TransferFailed",
			(startedAt) => {
				checkPlayerId(playerA, "playerA");
				checkPlayerId(playerB, "playerB");
				if (playerA === playerB) throw serviceError("InvalidArgument", "a player cannot trade with itself");
				if (!typeIs(fn, "function"))
					throw serviceError("InvalidArgument", `fn must be a function, got ${typeOf(fn)}`);
				return this.transfers.trade(playerA, playerB, fn, context, startedAt);
			},
			undefined,
			{ name: "Trade", players: [playerA, playerB] },
		);
	}

	/**
	 * Moves amounts from a player held here to any player (on this server, another one, or offline): the
	 * sender loses `amounts` now, the recipient gains them exactly once, when its server claims its inbox
	 * (at once when it is online, otherwise on its next load). Resolves once committed, saying whether the
	 * sender's profile was confirmed saved; never rejects after the commit.
	 *
	 * @param amounts - positive whole amounts by numeric field, a top-level name or a dotted path, e.g.
	 *   `{ coins: 100, "inventory.sword": 1 }`.
	 * @returns `{ id, committed: true, saved }`; rejects (nothing moved) with `InvalidArgument`, `NotLoaded`,
	 *   `ValidationFailed`, `Refused` or `TransferFailed`.
	 * @example
	 * ```ts
	 * await dataService.SendGift(sender.UserId, friendId, { coins: 100 });
	 * ```
	 */
	SendGift(fromId: number, toId: number, amounts: Amounts, context: UpdateContext = {}): Promise<TransferResult> {
		return this.operation(
			"TransferFailed",
			(startedAt) => {
				checkPlayerId(fromId, "fromId");
				checkPlayerId(toId, "toId");
				if (fromId === toId) throw serviceError("InvalidArgument", "a player cannot gift itself");
				return this.transfers.gift(fromId, toId, amounts, context, startedAt);
			},
			undefined,
			{ name: "SendGift", players: [fromId, toId] },
		);
	}

	/**
	 * Offers a trade to a player anywhere (this server, another one, or offline until the offer expires):
	 * the offerer pays `give` at once into an escrow held in the recipient's inbox; the recipient's server
	 * then accepts it when the recipient can pay `take` and the game's schema and `acceptTrade` hook agree,
	 * or declines it; an offer nobody answered is refunded when it expires. Accepting, declining and
	 * refunding each remove the escrow in one DataAccessLayer transaction with the result written to the
	 * offerer's inbox, so exactly one of them happens, even across crashes and lost messages.
	 *
	 * @param give - what the offerer gives: positive whole amounts by numeric field or dotted path.
	 * @param take - what the offerer asks in return (may be empty: a conditional gift).
	 * @returns the offer's id and outcome; rejects with `InvalidArgument`, `NotLoaded`, `ValidationFailed`
	 *   or `TransferFailed` (then nothing moved).
	 * @example
	 * ```ts
	 * const { status } = await dataService.OfferTrade(me, friendId, { coins: 60 }, { "inventory.sword": 1 });
	 * ```
	 */
	OfferTrade(
		fromId: number,
		toId: number,
		give: Amounts,
		take: Amounts,
		options: TradeOfferOptions = {},
		context: UpdateContext = {},
	): Promise<TradeOfferResult> {
		const offers = this.ctx.rooms.offers;
		return this.operation(
			"TransferFailed",
			(startedAt) => {
				checkPlayerId(fromId, "fromId");
				checkPlayerId(toId, "toId");
				if (fromId === toId) throw serviceError("InvalidArgument", "a player cannot trade with itself");
				return offers.offer(fromId, toId, give, take, options, context, startedAt);
			},
			({ id, expires, deadline }) => ({ id, status: offers.await(fromId, toId, id, expires, deadline) }),
			{ name: "OfferTrade", players: [fromId, toId] },
			"offer",
		);
	}

	/**
	 * Grants a developer product exactly once, Roblox's documented way (MarketplaceService.ProcessReceipt):
	 * `grant` changes the buyer's data and the receipt's PurchaseId is recorded in the profile in the same
	 * change (kind `purchase` through the write pipeline); PurchaseGranted is returned only once a save
	 * carrying both reached the DataStore. A PurchaseId already recorded returns PurchaseGranted without
	 * granting again, so Roblox's retries (the next purchase, the next join, on whichever server the player
	 * is) grant nothing twice, across crashes and server hops. The profile keeps the newest
	 * `receiptHistorySize` ids (default 100).
	 *
	 * Yields (it is the body of a ProcessReceipt callback, which Roblox lets yield). Loads the buyer when
	 * the buyer is on this server but not loaded yet (a join's load in progress is waited for).
	 *
	 * @param receipt - the receipt Roblox passed to ProcessReceipt.
	 * @param grant - what the product gives: returns the changed top-level fields of a copy of the data, or
	 *   undefined when it changes no data; runs under the player's lock and must not yield.
	 * @returns PurchaseGranted once granted and saved (now or before); NotProcessedYet, with a warning naming
	 *   the typed error, when the buyer is not on this server or cannot be loaded, the profile is being
	 *   released, the grant errors or breaks the schema (nothing granted), or the save is not confirmed
	 *   within `operationTimeout` (granted in memory: the next call confirms it instead of granting again).
	 * @throws a plain message when `receipt` is not a receipt or `grant` not a function.
	 * @example
	 * ```ts
	 * MarketplaceService.ProcessReceipt = (receipt) =>
	 * 	dataService.ProcessReceipt(receipt, (data) => ({ coins: data.coins + 100 }));
	 * ```
	 */
	ProcessReceipt(receipt: ReceiptInfo, grant: ProductGrant<T>): Enum.ProductPurchaseDecision {
		checkReceipt(receipt);
		if (!typeIs(grant, "function")) error(`[DataService] grant must be a function, got ${typeOf(grant)}`, 2);
		const playerId = receipt.PlayerId;
		const why = this.ctx.sessions.has(playerId) ? undefined : this.loadBuyer(playerId);
		if (why !== undefined) {
			this.ctx.warn(`purchase ${receipt.PurchaseId} of player ${playerId} not processed yet: ${why}`);
			return Enum.ProductPurchaseDecision.NotProcessedYet;
		}
		const [ok, err] = this.operation(
			"SaveFailed",
			(startedAt) => this.receipts.record(receipt, grant, startedAt),
			(recorded) => this.receipts.confirm(recorded),
		).await();
		if (ok) return Enum.ProductPurchaseDecision.PurchaseGranted;
		const e = toServiceError(err, "SaveFailed");
		this.ctx.warn(
			`purchase ${receipt.PurchaseId} of player ${playerId} not processed yet: ${e.kind}: ${e.message}`,
		);
		return Enum.ProductPurchaseDecision.NotProcessedYet;
	}

	/**
	 * Installs MarketplaceService.ProcessReceipt (the experience has one) granting each product through
	 * {@link ProcessReceipt} with its handler; a product without a handler answers NotProcessedYet with a
	 * warning (Roblox offers it again, e.g. once a server with the handler runs).
	 *
	 * @param handlers - a grant function per developer product id.
	 * @param marketplace - where to install the callback (default the MarketplaceService).
	 * @throws a plain message when a key is not a product id or a handler not a function.
	 * @example
	 * ```ts
	 * dataService.BindProductHandlers({
	 * 	[COIN_PACK_ID]: (data) => ({ coins: data.coins + 500 }),
	 * 	[SWORD_ID]: (data) => ({ inventory: { ...data.inventory, sword: (data.inventory.sword ?? 0) + 1 } }),
	 * });
	 * ```
	 */
	BindProductHandlers(
		handlers: Record<number, ProductGrant<T>>,
		marketplace: {
			ProcessReceipt: ((receipt: ReceiptInfo) => Enum.ProductPurchaseDecision) | undefined;
		} = MarketplaceService,
	): void {
		if (!typeIs(handlers, "table")) error(`[DataService] handlers must be a table, got ${typeOf(handlers)}`, 2);
		const byProduct = new Map<number, ProductGrant<T>>();
		for (const [productId, grant] of pairs(handlers)) {
			if (!typeIs(productId, "number")) {
				error(`[DataService] handlers: keys must be product ids (numbers), got ${typeOf(productId)}`, 2);
			}
			if (!typeIs(grant, "function")) {
				error(`[DataService] handlers[${productId}] must be a function, got ${typeOf(grant)}`, 2);
			}
			byProduct.set(productId, grant);
		}
		marketplace.ProcessReceipt = (receipt) => {
			const grant = byProduct.get(receipt.ProductId);
			if (grant !== undefined) return this.ProcessReceipt(receipt, grant);
			this.ctx.warn(`purchase ${receipt.PurchaseId}: no handler for product ${receipt.ProductId}`);
			return Enum.ProductPurchaseDecision.NotProcessedYet;
		};
	}

	/**
	 * Adds positive amounts to a player wherever it is (held here, on another server, or offline), through
	 * its inbox: the holder's session applies them once through the write pipeline (validated like any
	 * change), or the player's next load does. What the admin API's grants use; a game uses SendGift.
	 * @internal
	 * @returns the delivery's id; rejects with `InvalidArgument` or `TransferFailed`.
	 */
	deliverAmounts(toId: number, amounts: Amounts): Promise<string> {
		return this.operation("TransferFailed", () => {
			checkPlayerId(toId, "toId");
			const grant = checkAmounts(amounts, "amounts", false);
			if (!this.ctx.config.enableTransactions)
				throw serviceError("TransferFailed", "deliveries need enableTransactions");
			const id = HttpService.GenerateGUID(false);
			// f = 0: no sender (a grant, not a gift).
			this.ctx.inboxes.deliver(toId, id, { k: "d", d: grant, f: 0 });
			this.ctx.rooms.messaging.nudge(toId);
			return id;
		});
	}

	/**
	 * Whether another server holds the player's profile now (ProfileService's session in the stored value),
	 * read past the cache. Yields. For the admin API, which edits only players held here or offline.
	 * @internal
	 */
	heldElsewhere(playerId: number): boolean {
		if (this.ctx.sessions.get(playerId) !== undefined) return false;
		const stored = this.readStored(playerId) as { MetaData?: { ActiveSession?: unknown } } | undefined;
		return stored?.MetaData?.ActiveSession !== undefined;
	}

	/**
	 * Accepts a profile edited outside the library as it is now (with fieldEncryption: its HMAC did not match
	 * and its loads are refused): signs it again. What AdminApi.AcceptEditedProfile calls. Yields.
	 * @internal
	 */
	acceptEditedProfile(playerId: number): void {
		checkPlayerId(playerId, "playerId");
		if (this.sealed === undefined) throw serviceError("Disabled", "fieldEncryption is off: nothing to accept");
		this.sealed.accept(playerId);
	}

	/**
	 * Saves and releases a player's profile (what PlayerRemoving does). Resolves with true once the release save
	 * ended (it landed, or another server had force-loaded the player first) or when the player was not held
	 * here, and with false after `releaseTimeout` seconds without it
	 * (a DataStore outage: the save keeps being retried, and until it lands the stored profile lacks the
	 * session's last changes and another server that wants the player waits for it or force-loads).
	 * @example
	 * ```ts
	 * const saved = await dataService.ReleasePlayer(player.UserId);
	 * if (saved) TeleportService.TeleportAsync(placeId, [player]);
	 * ```
	 */
	ReleasePlayer(playerId: number): Promise<boolean> {
		return new Promise((resolve) => {
			const profile = this.releases.release(playerId);
			if (profile === undefined) return resolve(true);
			const timeout = task.delay(this.config.releaseTimeout, () => resolve(false));
			profile.ListenToHopReady(() => {
				task.cancel(timeout);
				resolve(true);
			});
		});
	}

	/**
	 * Structural checks of a loaded player's data: storability and the schema, schema version,
	 * non-negative finite currencies, session sanity, and the inbox's checksum.
	 *
	 * @returns a report; rejects with `InvalidArgument`, `NotLoaded` or `Disabled` (enableConsistencyChecks off).
	 * @example
	 * ```ts
	 * const report = await dataService.RunConsistencyCheck(player.UserId);
	 * if (!report.ok) warn(report.issues);
	 * ```
	 */
	RunConsistencyCheck(
		playerId: number,
		options: { readonly repair?: boolean; readonly dryRun?: boolean } = {},
	): Promise<ConsistencyReport> {
		return this.operation(
			"LoadFailed",
			() => {
				checkPlayerId(playerId, "playerId");
				if (this.consistency === undefined) {
					throw serviceError("Disabled", "consistency checks are off (enableConsistencyChecks: false)");
				}
				const consistency = this.consistency;
				return this.ctx.locks.run(tostring(playerId), () =>
					consistency.run(this.ctx.sessions.require(playerId), {
						readInbox: true,
						repair: options.repair === true,
						dryRun: options.dryRun,
						lookUpItems: true,
					}),
				);
			},
			undefined,
			{ name: "RunConsistencyCheck", players: [playerId] },
			"consistencyCheck",
		);
	}

	/**
	 * The ConsistencyChecker the service built (undefined with enableConsistencyChecks off): minting unique
	 * item ids, the quarantine store, statistics.
	 * @example
	 * ```ts
	 * const id = dataService.GetConsistencyChecker()!.MintItemId();
	 * ```
	 */
	GetConsistencyChecker(): ConsistencyChecker | undefined {
		return this.consistency?.checker;
	}

	/**
	 * One pass of the offline duplicate scan: reads stored profiles (every player, online or not) within
	 * `budget` DataStore requests (default 200) and reports unique item ids held by two players; each is
	 * audited (security) and, with `consistency.quarantineDuplicates`, copied to the quarantine store.
	 * Pass the returned `cursor` to go on; a pass without one starts over.
	 * @returns the duplicates found so far in this scan; rejects with `Disabled` or `LoadFailed`.
	 * @example
	 * ```ts
	 * let pass = await dataService.ScanForDuplicates({ budget: 500 });
	 * while (pass.cursor !== undefined) pass = await dataService.ScanForDuplicates({ budget: 500, cursor: pass.cursor });
	 * ```
	 */
	ScanForDuplicates(
		options: { readonly budget?: number; readonly cursor?: string } = {},
	): Promise<DuplicateScanResult> {
		return this.operation("LoadFailed", () => {
			if (this.consistency === undefined) throw serviceError("Disabled", "consistency checks are off");
			const budget = options.budget ?? 200;
			if (!typeIs(budget, "number") || budget < 2)
				throw serviceError(
					"InvalidArgument",
					`budget must be a number of at least 2, got ${typeOf(budget)} ${tostring(budget)}`,
				);
			return this.consistency.scan(this.profileListing, budget, options.cursor);
		});
	}

	/**
	 * Releases a quarantined document: the same data loads as it is from then on (the incident is kept).
	 * @returns the incident; rejects with `Disabled` or `InvalidArgument` (no such incident).
	 * @example
	 * ```ts
	 * await dataService.ReleaseQuarantine(123, incidentId);
	 * ```
	 */
	ReleaseQuarantine(playerId: number, incidentId: string): Promise<QuarantineIncident> {
		return this.operation("LoadFailed", () => {
			checkPlayerId(playerId, "playerId");
			const checker = this.GetConsistencyChecker();
			if (checker === undefined) throw serviceError("Disabled", "consistency checks are off");
			const [ok, incident] = pcall(() => checker.GetQuarantine().mark(playerId, incidentId, false));
			if (!ok) throw serviceError("InvalidArgument", `incidentId: ${tostring(incident)}`);
			return incident as QuarantineIncident;
		});
	}

	/**
	 * Puts a quarantined document back into a held player's profile (a `restore` change through the write
	 * pipeline, after its pre-restore backup when backups are on) and marks the incident released.
	 * @returns the incident; rejects with `Disabled`, `NotLoaded`, `InvalidArgument` or `ValidationFailed`.
	 * @example
	 * ```ts
	 * await dataService.RestoreQuarantined(123, incidentId);
	 * ```
	 */
	RestoreQuarantined(playerId: number, incidentId: string): Promise<QuarantineIncident> {
		return this.operation("LoadFailed", () => {
			checkPlayerId(playerId, "playerId");
			const checker = this.GetConsistencyChecker();
			if (checker === undefined) throw serviceError("Disabled", "consistency checks are off");
			const incident = checker
				.GetQuarantine()
				.read(playerId)
				?.incidents.find((i) => i.id === incidentId);
			if (incident === undefined)
				throw serviceError("InvalidArgument", `incidentId: player ${playerId} has no incident ${incidentId}`);
			this.ctx.pipeline.run({
				kind: "restore",
				context: { source: "quarantine", incident: incidentId },
				lock: [playerId],
				what: "quarantined data",
				prepare: () => [
					{ session: this.ctx.sessions.require(playerId), after: incident.data as object, worth: 1e6 },
				],
			});
			return checker.GetQuarantine().mark(playerId, incidentId, true);
		});
	}

	/**
	 * Adds a stage to the write pipeline: it sees every change of player data from then on (see
	 * {@link PipelineStage}). Returns a function that removes it.
	 * @example
	 * ```ts
	 * const remove = dataService.AddStage({ name: "log", slot: "audit", observe: (c) => print(c.kind, c.id) });
	 * ```
	 */
	AddStage(stage: PipelineStage): () => void {
		return this.ctx.pipeline.addStage(stage);
	}

	/**
	 * Records a security event in the audit trail (a no-op with `enableAuditing` off): what a game's own
	 * access check granted or denied, a refused payload (see auditRefusals), a suspicious request. Never
	 * yields; the entry is written with the next batch.
	 * @param eventType - what happened ("accessDenied", "accessGranted", "refusedPayload", ...).
	 * @param players - the UserIds it concerns (a player's compliance report lists it).
	 * @param context - scalars or short tables; sensitive keys are concealed like a change's context.
	 * @param level - default "warning".
	 * @example
	 * ```ts
	 * dataService.LogSecurityEvent("accessDenied", [caller.UserId], { action: "GrantAdmin", target: 42 });
	 * ```
	 */
	LogSecurityEvent(
		eventType: string,
		players: ReadonlyArray<number>,
		context?: Readonly<Record<string, unknown>>,
		level?: AuditLevel,
	): void {
		this.ctx.audit.security(eventType, players, context, level);
	}

	/**
	 * Right to erasure: releases the player if held here, then removes their profile (ProfileService's
	 * WipeProfileAsync), their inbox, their backups (when a BackupManager is attached), the pre-migration
	 * images migration runs kept of their profile, and the personal content of their audit entries (the
	 * trail still verifies), and records the erasure as a security entry that does not name the player. Call it for a player who is not in any server (Roblox's erasure
	 * requests concern deleted accounts): a server holding the profile elsewhere would save it again. Every
	 * store this package writes with `{UserId}` in a key is covered; README lists the templates.
	 * @param requestId - the game's ticket for the request, kept in the erasure entry.
	 * @returns what was erased; rejects with `InvalidArgument`, or `SaveFailed` naming the step that
	 *   failed (the steps before it are done; calling again finishes the rest).
	 * @example
	 * ```ts
	 * await dataService.ErasePlayer(userId, "ticket-1234");
	 * ```
	 */
	ErasePlayer(userId: number, requestId?: string): Promise<PlayerErasure> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(() => {
				checkPlayerId(userId, "userId");
				const step = <R>(name: string, work: () => R): R => {
					const [done, value] = pcall(work);
					if (!done) {
						const reason = toServiceError(value, "SaveFailed").message;
						throw serviceError("SaveFailed", `erasure of ${userId}: ${name} failed: ${reason}`);
					}
					return value;
				};
				const session = this.ctx.sessions.get(userId);
				if (session !== undefined) {
					// The release save must land first, or it would write the profile back after the wipe.
					step("release", () => {
						let released = false;
						session.profile.ListenToHopReady(() => (released = true));
						this.releases.release(userId);
						const started = os.clock();
						while (!released) {
							if (os.clock() - started > this.config.operationTimeout) {
								throw serviceError("TimedOut", "the release save did not finish in operationTimeout");
							}
							task.wait(0.1);
						}
					});
				}
				const profile = step("the profile", () => this.wipeProfile(userId));
				step("the inbox", () => this.ctx.inboxes.erase(userId));
				const backups = this.backups !== undefined;
				if (backups) step("the backups", () => this.backups!.ErasePlayer(userId).expect());
				const preImages = step("the migration pre-images", () => this.migrations.erase(userId).expect());
				const audit = this.audit;
				const entries =
					audit !== undefined
						? step("the audit trail", () => audit.ErasePlayer(userId, requestId).expect()).entries
						: 0;
				const erasure: PlayerErasure = {
					profile,
					inbox: true,
					backups,
					auditEntries: entries,
					migrationPreImages: preImages,
				};
				this.ctx.audit.security("playerErased", [], { request: requestId, ...erasure }, "warning");
				return erasure;
			});
			if (ok) resolve(result);
			else reject(toServiceError(result, "SaveFailed"));
		});
	}

	/**
	 * The AuditLogger the service built or was given (undefined unless `enableAuditing` is on): queries,
	 * compliance reports, export, verification.
	 * @example
	 * ```ts
	 * const { ok } = dataService.GetAuditLogger()!.VerifyAuditTrail().expect();
	 * ```
	 */
	GetAuditLogger(): AuditLogger | undefined {
		return this.audit;
	}

	/**
	 * The BackupManager the service built or was given (undefined unless `enableBackups` or
	 * `backupBeforeUpdates` is on): manual backups, restores of held players, statistics.
	 * @example
	 * ```ts
	 * dataService.GetBackupManager()?.RestorePlayer(123, os.time() - 600, { dryRun: true });
	 * ```
	 */
	GetBackupManager(): BackupManager | undefined {
		return this.backups;
	}

	/**
	 * Migrates every offline profile of the profile store to this server's schema version with the config's
	 * `migrations` (the chain that also runs on load): keys listed with ListKeysAsync at background priority,
	 * a durable checkpoint every page (a crashed run resumes on the next call), profiles held by a live session
	 * deferred (they migrate on load), `dryRun` only counts. Progress and ETA:
	 * `GetMigrationTool().getStatistics()`.
	 * @returns the run as recorded; rejects with a MigrationError (`RunBusy`, `EditedStep`, `StoreFailed`).
	 * @example
	 * ```ts
	 * const run = dataService.RunMigration({ dryRun: true }).expect();
	 * print(run.wouldMigrate, run.failedCount);
	 * ```
	 */
	RunMigration(options: BatchOptions = {}): Promise<MigrationRun> {
		return this.migrations.run(options);
	}

	/**
	 * Restores each profile a run migrated to its pre-migration state where it was not changed since; the
	 * rest are listed in the run's `notRolledBack` with the reason.
	 * @returns the run as recorded afterwards; rejects with a MigrationError (`RunNotFound`, `StoreFailed`:
	 *   the DataStore kept failing through retries with backoff; calling again resumes).
	 * @example
	 * ```ts
	 * const run = dataService.RollbackMigration(runId).expect();
	 * ```
	 */
	RollbackMigration(runId: string): Promise<MigrationRun> {
		return this.migrations.rollback(runId);
	}

	/**
	 * The DataMigrationTool running the config's `migrations`: run records (`getRun`, `listRuns`), batch
	 * statistics, in-memory migrations.
	 * @example
	 * ```ts
	 * print(dataService.GetMigrationTool().getStatistics().eta);
	 * ```
	 */
	GetMigrationTool(): DataMigrationTool {
		return this.migrations.tool;
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
		return assessHealth({
			stats: this.stats,
			pendingRequests: this.dal.getPendingCount(),
			maxConcurrentOperations: this.config.maxConcurrentOperations,
			criticalState: (this.profileService as unknown as { CriticalState?: boolean }).CriticalState === true,
			shuttingDown: this.releases.shuttingDown,
		});
	}

	/**
	 * Metrics of each module: the service, the data layer, the cache, the validator, ProfileService, and
	 * every config switch.
	 * @example
	 * ```ts
	 * print(dataService.GetStatistics().service.loads);
	 * ```
	 */
	GetStatistics(): DataServiceStatistics {
		const cacheStats = this.cache.getStats();
		const ps = this.profileService as unknown as { CriticalState?: boolean; ServiceIssueCount?: number };
		return {
			service: { ...this.stats, loadedProfiles: this.ctx.sessions.count() },
			dataLayer: { requests: this.dal.getRequestCount(), pending: this.dal.getPendingCount() },
			cache: {
				enabled: this.config.enableCaching,
				hits: cacheStats.hits,
				misses: cacheStats.misses,
				size: this.cache.size(),
				views: this.views?.getStats().views ?? 0,
				viewReads: this.views?.getStats().reads ?? 0,
			},
			validator: { validated: this.ctx.validator.validated, rejected: this.stats.rejectedUpdates },
			profiles: { criticalState: ps.CriticalState === true, issueCount: ps.ServiceIssueCount ?? 0 },
			config: reportedConfig(this.config, this.schemaVersion),
		};
	}

	/**
	 * Metrics over time: one sample per `metrics.interval` seconds (default 60), the newest
	 * `metrics.samples` kept (default 60), each with the DataStore requests by type against the server's
	 * budget, the peak request queue, operation latency histograms, the cache hit ratio, the backup recovery
	 * point, audit and consistency counters, the health score and the alert status; plus the latency of
	 * every operation since the start.
	 *
	 * @param range - Unix seconds `{ from?, to? }` of the samples wanted (default: all kept).
	 * @returns the report; `samples` is empty until the first interval closes, and with `metrics.enabled: false`.
	 * @example
	 * ```ts
	 * const { samples } = dataService.GetMetrics({ from: os.time() - 600 });
	 * for (const s of samples) print(s.time, s.score, s.requests.UpdateAsync ?? 0, s.budgetPerMinute.GetAsync);
	 * ```
	 */
	GetMetrics(range: MetricsRange = {}): MetricsReport {
		if (!typeIs(range, "table")) {
			error(`[DataService] GetMetrics range must be a table, got ${typeOf(range)}`, 2);
		}
		return this.metrics.report(range);
	}

	/**
	 * The save mark of a held player's latest change (0 when not held): once {@link onSaved} reports a
	 * mark at least this, that change is in the DataStore. DataServiceAuthority uses it for `saved` messages.
	 * @internal
	 * @example
	 * ```ts
	 * const mark = dataService.getSaveMark(id);
	 * ```
	 */
	getSaveMark(playerId: number): number {
		return this.ctx.sessions.get(playerId)?.saveSeq ?? 0;
	}

	/**
	 * Calls `listener(playerId, savedMark)` whenever a save of a held player's profile reached the DataStore.
	 * DataServiceAuthority uses it; a game waits for a save with `durable: true`.
	 * @internal
	 * @returns a function that removes the listener.
	 * @example
	 * ```ts
	 * dataService.onSaved((id, mark) => print(id, "saved up to", mark));
	 * ```
	 */
	onSaved(listener: (playerId: number, savedMark: number) => void): () => void {
		this.saveListeners.add(listener);
		return () => this.saveListeners.delete(listener);
	}

	/**
	 * Saves and releases every profile, the most valuable unsaved changes first, within `limit` seconds
	 * (what BindToClose runs; the platform gives 30 s in all).
	 * @example
	 * ```ts
	 * game.BindToClose(() => dataService.CloseAll()); // done for you unless bindPlayers is false
	 * ```
	 */
	CloseAll(limit = 25): void {
		this.releases.closeAll(limit);
	}

	/**
	 * Disconnects the service's subscriptions (specs; the server's own shutdown does it otherwise).
	 * @example
	 * ```ts
	 * dataService.Destroy();
	 * ```
	 */
	Destroy(): void {
		this.presence.stop();
		this.releaseRequests.stop();
		this.lockStore?.stop();
		this.ctx.rooms.messaging.stop();
		this.views?.destroy();
		for (const connection of this.connections) connection.Disconnect();
		this.connections.clear();
		this.backups?.Stop();
		this.metrics.stop();
		this.HealthChanged.DisconnectAll();
		this.consistency?.stop();
		this.emergencies?.stop();
	}

	/** @deprecated use {@link CloseAll} (the game-facing methods are PascalCase, like LoadPlayerData). */
	closeAll(limit = 25): void {
		this.CloseAll(limit);
	}

	/** @deprecated use {@link Destroy}. */
	destroy(): void {
		this.Destroy();
	}

	// --- internals ---------------------------------------------------------------------------------

	/** Plugs a BackupManager in: restores of held players go through the pipeline, its stage sees every change. */
	private attachBackups(given: BackupManager | undefined, budget: BudgetSource): BackupManager {
		const backups =
			given ??
			new BackupManager({
				dataAccessLayer: this.dal,
				warnings: this.config.warnings,
				fieldEncryption: this.fieldEncryption,
			});
		backups.SetRestoreTarget(
			new Restores(this.ctx, {
				load: (playerId) => this.load(playerId, true).expect(),
				release: (playerId) => this.ReleasePlayer(playerId).expect(),
			}),
		);
		this.ctx.pipeline.addStage(backupStage(backups, this.config.backupBeforeUpdates));
		if (this.config.enableBackups) {
			backups.Start();
			const emergencies = new EmergencyBackups(backups, () => this.GetHealthStatus().status, budget);
			emergencies.start();
			this.emergencies = emergencies;
			if (this.config.bindPlayers) game.BindToClose(() => emergencies.atShutdown(this.ctx.sessions.count()));
		}
		return backups;
	}

	/**
	 * Builds the ConsistencyChecker on the service's modules, plugs its stage into the write pipeline and
	 * starts the schedule (consistency.checkInterval).
	 */
	private attachConsistency(services: DataServiceServices): ConsistencyChecks {
		const options = this.config.consistency;
		const memoryStore = services.memoryStoreService ?? (MemoryStoreService as unknown as MemoryStoreServiceLike);
		const checker = new ConsistencyChecker({
			...options,
			schema: this.config.schema,
			template: this.config.template,
			currencies: this.config.currencies,
			dataAccessLayer: this.dal,
			backupManager: this.backups,
			auditLogger: this.audit,
			ownerMap: memoryStore.GetHashMap(options.ownerMapName ?? "DataService.ItemOwners") as never,
			quarantineStoreName: options.quarantineStoreName,
		});
		const checks = new ConsistencyChecks(this.ctx, checker, {
			schemaVersion: this.schemaVersion,
			template: this.config.template,
			onQuarantine: options.onQuarantine ?? "refuse",
			quarantineDuplicates: options.quarantineDuplicates === true,
			recheckDelay: options.recheckDelay ?? 90,
			onReport: options.onReport,
			holds: (playerId, itemId) => {
				const held =
					this.ctx.sessions.get(playerId)?.profile.Data.data ?? storedData<object>(this.readStored(playerId));
				return checker.HeldItems(held).some((h) => h.id === itemId);
			},
		});
		this.ctx.pipeline.addStage(checks.stage());
		this.connections.push(Players.PlayerRemoving.Connect((player) => checks.forget(player.UserId)));
		checks.startSchedule(options.checkInterval ?? 0, options.repair !== false);
		return checks;
	}

	/**
	 * Runs `work` in an operation slot, then `finish` outside it (waits that hold no slot), resolving with
	 * `finish`'s result; any error rejects with a typed error (kind `fallback` for untyped ones). Its
	 * latency, from the call to the outcome, goes to the metrics under `metric`.
	 */
	private operation<A, R = A>(
		fallback: DataServiceError["kind"],
		work: (startedAt: number) => A,
		finish?: (result: A) => R,
		audited?: AuditedOperation,
		metric: string = OPERATION_METRICS[fallback] ?? "other",
	): Promise<R> {
		return new Promise((resolve, reject) => {
			const startedAt = os.clock();
			// The audit trail hears how every operation ended: errors, refusals, and the slow ones, timed
			// to the end of `work` (a wait for a durable save, in `finish`, is the store's time, not ours).
			// The metrics time the whole operation, durable wait included.
			const [ok, result] = pcall(() => this.gate.run(() => work(startedAt)));
			const seconds = os.clock() - startedAt;
			const fail = (err: unknown) => {
				const typed = toServiceError(err, fallback);
				if (audited !== undefined) this.ctx.audit.ended(audited, seconds, typed);
				this.metrics?.recordOperation(metric, os.clock() - startedAt, false);
				reject(typed);
			};
			if (!ok) return fail(result);
			const [done, final] = finish === undefined ? [true, result as unknown as R] : pcall(() => finish(result));
			if (!done) return fail(final);
			if (audited !== undefined) this.ctx.audit.ended(audited, seconds);
			this.metrics?.recordOperation(metric, os.clock() - startedAt, true);
			resolve(final as R);
		});
	}

	/** Builds the metrics recorder over this service's modules and starts its checks. */
	private startMetrics(services: DataServiceServices): MetricsRecorder {
		const budgets = (services.dataStoreService ?? DataStoreService) as unknown as {
			GetRequestBudgetForRequestType?(requestType: Enum.DataStoreRequestType): number;
		};
		const recorder = new MetricsRecorder(
			{
				clock: () => DateTime.now().UnixTimestampMillis / 1000,
				requestCounts: () => this.dal.getRequestCountsByType(),
				budget: (requestType) =>
					budgets.GetRequestBudgetForRequestType !== undefined
						? budgets.GetRequestBudgetForRequestType(requestType)
						: math.huge,
				players: () => Players.GetPlayers().size(),
				queueDepth: () => this.dal.getPendingCount(),
				cache: () => this.cache.getStats(),
				score: () => this.GetHealthStatus().score,
				recoveryPoint: () => this.backups?.GetStatistics().recoveryPoint,
				audit: () => this.audit?.GetStats(),
				consistency: () => ({ checks: this.stats.consistencyChecks, issues: this.stats.consistencyIssues }),
			},
			this.config.metrics,
			this.HealthChanged,
		);
		recorder.start();
		return recorder;
	}

	/** An update in a slot; a durable one then waits for its save outside the slot. */
	private updateOperation(
		context: UpdateContext,
		work: (startedAt: number) => ReturnType<PlayerUpdates["update"]>,
		audited?: AuditedOperation,
	): Promise<UpdateResult<T>> {
		if (!typeIs(context, "table")) {
			return Promise.reject(
				serviceError("InvalidArgument", `context must be a table, got ${typeOf(context)}`),
			) as Promise<UpdateResult<T>>;
		}
		return this.operation(
			"SaveFailed",
			work,
			(applied) => {
				const durable = context.durable === true && applied.changed;
				if (durable) this.ctx.saves.waitSaved(applied.session, applied.mark);
				return { data: applied.data as T, saved: durable, changed: applied.changed };
			},
			audited,
		);
	}

	/** Loads a buyer on this server whose profile is not held (yet); returns why it cannot, if it cannot. */
	private loadBuyer(playerId: number): string | undefined {
		if (this.releases.shuttingDown) return "the server is closing";
		if (this.ctx.rooms.messaging.releasing.has(playerId)) return "the profile is being released";
		if (Players.GetPlayerByUserId(playerId) === undefined) return "the player is not on this server";
		const [ok, err] = this.LoadPlayerData(playerId).await();
		if (!ok) return `the load failed: ${toServiceError(err, "LoadFailed").message}`;
		return this.releaseIfGone(playerId) ? "the player left during the load" : undefined;
	}

	/**
	 * Releases a loaded player who is no longer on this server (bindPlayers): one who left while the load
	 * ran, when PlayerRemoving found no profile to release yet. Returns whether the player is gone.
	 */
	private releaseIfGone(playerId: number): boolean {
		if (Players.GetPlayerByUserId(playerId) !== undefined) return false;
		if (this.config.bindPlayers) this.releases.releaseLeaving(playerId);
		return true;
	}

	/** Loads a player who joined (loadOnJoin); kicks them when the load fails. */
	private loadJoined(player: Player): void {
		const [ok, err] = this.LoadPlayerData(player.UserId).await();
		if (ok) this.releaseIfGone(player.UserId);
		if (ok || player.Parent === undefined) return;
		this.ctx.warn(`player ${player.UserId} could not be loaded: ${toServiceError(err, "LoadFailed").message}`);
		player.Kick("Your data could not be loaded. Please rejoin.");
	}
}

/** The latency histogram each operation's failure kind stands for (ViewPlayerData and checks pass their own). */
const OPERATION_METRICS: Partial<Record<DataServiceError["kind"], string>> = {
	LoadFailed: "load",
	SaveFailed: "update",
	TransferFailed: "transfer",
};

/** The game's data inside a stored profile value (undefined for a player without one). */
function storedData<T>(stored: unknown): T | undefined {
	return (stored as { Data?: { data?: T } } | undefined)?.Data?.data;
}

/** Throws `TimedOut` when an operation started at `startedAt` waited longer than `timeout` for its lock. */
function checkDeadline(startedAt: number, timeout: number): void {
	if (os.clock() - startedAt > timeout) {
		throw serviceError("TimedOut", `waited longer than operationTimeout (${timeout} s) for the player's lock`);
	}
}

/** Throws `InvalidArgument` unless `value` is a UserId: a non-zero whole number. */
function checkPlayerId(value: unknown, name: string): asserts value is number {
	if (!typeIs(value, "number") || value % 1 !== 0 || value === 0 || math.abs(value) > 2 ** 53) {
		const shown = typeIs(value, "string") ? `"${value}"` : tostring(value);
		throw serviceError("InvalidArgument", `${name} must be a non-zero whole number, got ${typeOf(value)} ${shown}`);
	}
}
