import type { ProfileStore } from "@rbxts/profileservice/globals";
import { DataStoreService, HttpService, MemoryStoreService, MessagingService, Players } from "@rbxts/services";
import { BackupManager } from "shared/core/BackupManager";
import { CacheManager } from "shared/core/CacheManager";
import { AuditLevel, AuditLogger } from "shared/core/AuditLogger";
import { DataAccessLayer, DataAuditEvent } from "shared/core/DataAccessLayer";
import { CompiledSchema, DataValidator } from "shared/core/DataValidator";
import { Adoption } from "./data/Adoption";
import type { Amounts } from "./data/Amounts";
import { ChangeValidator } from "./data/ChangeValidator";
import { checkConsistency } from "./data/ConsistencyCheck";
import { DataServiceConfig, ResolvedConfig, resolveConfig } from "./data/DataServiceConfig";
import { DataServiceError, serviceError } from "./data/DataServiceError";
import { DurableSaves } from "./data/DurableSaves";
import { assessHealth } from "./data/Health";
import { InboxClaims } from "./data/InboxClaims";
import { InboxLedger } from "./data/InboxLedger";
import { KeyedMutex } from "./data/KeyedMutex";
import { OperationGate } from "./data/OperationGate";
import { backupStage } from "./data/pipeline/BackupStage";
import type { PipelineStage } from "./data/pipeline/PipelineStage";
import { WritePipeline } from "./data/pipeline/WritePipeline";
import { PlayerUpdates, UpdateInput } from "./data/PlayerUpdates";
import { ProfileViews } from "./data/ProfileViews";
import { ProfileReleases } from "./data/ProfileReleases";
import { ReleaseMessaging } from "./data/ReleaseMessaging";
import { Restores } from "./data/Restores";
import { MemoryStoreServiceLike, ServerPresence } from "./data/ServerPresence";
import type { ServiceContext } from "./data/ServiceContext";
import type { StoredProfile } from "./data/Session";
import { SessionLoader } from "./data/SessionLoader";
import { AuditedOperation, PlayerErasure, ServiceAudit } from "./data/ServiceAudit";
import { SessionRegistry } from "./data/SessionRegistry";
import { newStatistics, reportedConfig } from "./data/Statistics";
import { TradeOffers } from "./data/TradeOffers";
import { toServiceError } from "./data/TransferResults";
import { Transfers } from "./data/Transfers";

export { DEFAULT_SCHEMA, DEFAULT_TEMPLATE } from "./data/DataServiceConfig";
export type { DataServiceConfig, TradeOfferView } from "./data/DataServiceConfig";
export type { AdoptionConfig, AdoptionSource } from "./data/AdoptionConfig";
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

/**
 * The server's facade over player data. Every change of a player's data — an update, a durable update,
 * a trade, a gift, a trade offer and its settlement, a client's StateManager proposal, an inbox delivery,
 * a migration on load — passes one write pipeline (`data/pipeline/WritePipeline.ts`): lock, validate,
 * backup, write, cache, audit, consistency, commit. The rooms behind this facade each do one job:
 *
 * - `SessionLoader` / `ProfileReleases` / `SessionRegistry`: ProfileService sessions (load, release, held);
 * - `ReleaseMessaging`: release requests and inbox nudges between servers;
 * - `PlayerUpdates`: UpdatePlayerData and IncrementPlayerData;
 * - `Transfers` / `TradeOffers` / `InboxClaims`: exactly-once gifts, trades and offers through inboxes;
 * - `DurableSaves`: knowing when a change reached the DataStore;
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
	private readonly profileService: ProfileServiceLike;
	private readonly loader: SessionLoader;
	private readonly releases: ProfileReleases;
	private readonly updates: PlayerUpdates;
	private readonly transfers: Transfers;
	private readonly schemaVersion: number;
	private readonly connections = new Array<RBXScriptConnection>();
	private readonly backups?: BackupManager;
	private readonly auditLogger?: AuditLogger;
	/** ProfileService's WipeProfileAsync of a player's profile key (right to erasure). */
	private readonly wipeProfile: (userId: number) => boolean;
	private readonly saveListeners = new Set<(playerId: number, savedMark: number) => void>();
	private readonly views?: ProfileViews<T>;
	/** The stored value of a player's profile key (one GetAsync past the engine's cache). */
	private readonly readStored: (userId: number) => unknown;

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
		const sessions = new SessionRegistry(this.cache, this.config.enableCaching, this.stats);
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
				services.auditLogger ?? new AuditLogger({ dataAccessLayer: this.dal, warnings: this.config.warnings });
			pipeline.addStage(audit.GetStage());
			dataAccessHook = audit.GetDataAccessHook();
			this.auditLogger = audit;
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
			audit: new ServiceAudit(this.auditLogger),
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
		const memoryStore = services.memoryStoreService ?? (MemoryStoreService as unknown as MemoryStoreServiceLike);
		if (this.config.enableBackups || this.config.backupBeforeUpdates) {
			this.backups = this.attachBackups(services.backupManager);
		}
		this.presence = new ServerPresence(memoryStore.GetHashMap(`${this.config.topic}.Servers`), jobId);
		if (this.config.bindPlayers) game.BindToClose(() => this.CloseAll());
		// Required only now, after closeAll is bound: ProfileService binds a BindToClose of its own when it
		// loads, which releases every active profile in its own order, and callbacks start in the order they
		// were bound. Bound first, CloseAll starts the release saves most valuable first.
		this.profileService =
			services.profileService ?? (import("@rbxts/profileservice").expect() as unknown as ProfileServiceLike);
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
		const checkOnRead = this.config.checkConsistencyOnRead
			? (session: Parameters<typeof checkConsistency>[1]) => {
					const report = checkConsistency(ctx, session, this.schemaVersion, false);
					return report.ok
						? undefined
						: report.issues.map((i) => `${i.check} ${i.path}: ${i.message}`).join("; ");
				}
			: undefined;
		this.loader = new SessionLoader(
			ctx,
			store,
			messaging,
			this.presence,
			this.schemaVersion,
			checkOnRead,
			adoption,
		);
		messaging.start();
		const profiles = (
			services.dataStoreService ?? (DataStoreService as unknown as DataStoreServiceLike)
		).GetDataStore(this.config.profileStoreName);
		// Past the engine's 4 s GetAsync cache, or a view read just after a save shows the value before it.
		const fresh = new Instance("DataStoreGetOptions");
		fresh.UseCache = false;
		this.readStored = (userId) => profiles.GetAsync(`Player_${userId}`, fresh)[0];
		if (this.config.enableCaching) {
			this.views = new ProfileViews<T>({
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
					return this.ctx.sessions.read(this.loader.load(playerId, startedAt)) as T;
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
	 * A read-only view of any player's data: a player held here answers from memory; any other (on another
	 * server, or offline) from a cache of what the DataStore holds, kept at most 30 s and dropped on every
	 * server when the player's holder saves (a lost invalidation message is bounded by the 30 s), so a view
	 * costs a DataStore read only when none is cached. With `enableCaching: false` every view of a player
	 * not held here reads the DataStore.
	 *
	 * @returns the data (frozen when it comes from the cache), or undefined for a player without data;
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
				if (session !== undefined) return this.ctx.sessions.read(session) as T;
				if (this.views !== undefined) return this.views.get(playerId).expect();
				return storedData<T>(this.readStored(playerId));
			},
			undefined,
			{ name: "ViewPlayerData", players: [playerId] },
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
		);
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
			this.releases.release(playerId);
			resolve();
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
	RunConsistencyCheck(playerId: number): Promise<ConsistencyReport> {
		return this.operation(
			"LoadFailed",
			() => {
				checkPlayerId(playerId, "playerId");
				if (!this.config.enableConsistencyChecks) {
					throw serviceError("Disabled", "consistency checks are off (enableConsistencyChecks: false)");
				}
				return checkConsistency(this.ctx, this.ctx.sessions.require(playerId), this.schemaVersion, true);
			},
			undefined,
			{ name: "RunConsistencyCheck", players: [playerId] },
		);
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
	 * WipeProfileAsync), their inbox, their backups (when a BackupManager is attached) and the personal
	 * content of their audit entries (the trail still verifies), and records the erasure as a security entry
	 * that does not name the player. Call it for a player who is not in any server (Roblox's erasure
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
				const audit = this.auditLogger;
				const entries =
					audit !== undefined
						? step("the audit trail", () => audit.ErasePlayer(userId, requestId).expect()).entries
						: 0;
				const erasure: PlayerErasure = { profile, inbox: true, backups, auditEntries: entries };
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
		return this.auditLogger;
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
		this.ctx.rooms.messaging.stop();
		this.views?.destroy();
		for (const connection of this.connections) connection.Disconnect();
		this.connections.clear();
		this.backups?.Stop();
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
	private attachBackups(given: BackupManager | undefined): BackupManager {
		const backups = given ?? new BackupManager({ dataAccessLayer: this.dal, warnings: this.config.warnings });
		backups.SetRestoreTarget(
			new Restores(this.ctx, {
				load: (playerId) => this.LoadPlayerData(playerId).expect(),
				release: (playerId) => this.ReleasePlayer(playerId).expect(),
			}),
		);
		this.ctx.pipeline.addStage(backupStage(backups, this.config.backupBeforeUpdates));
		if (this.config.enableBackups) backups.Start();
		return backups;
	}

	/**
	 * Runs `work` in an operation slot, then `finish` outside it (waits that hold no slot), resolving with
	 * `finish`'s result; any error rejects with a typed error (kind `fallback` for untyped ones).
	 */
	private operation<A, R = A>(
		fallback: DataServiceError["kind"],
		work: (startedAt: number) => A,
		finish?: (result: A) => R,
		audited?: AuditedOperation,
	): Promise<R> {
		return new Promise((resolve, reject) => {
			const startedAt = os.clock();
			// The audit trail hears how every operation ended: errors, refusals, and the slow ones, timed
			// to the end of `work` (a wait for a durable save, in `finish`, is the store's time, not ours).
			const [ok, result] = pcall(() => this.gate.run(() => work(startedAt)));
			const seconds = os.clock() - startedAt;
			const fail = (err: unknown) => {
				const typed = toServiceError(err, fallback);
				if (audited !== undefined) this.ctx.audit.ended(audited, seconds, typed);
				reject(typed);
			};
			if (!ok) return fail(result);
			const [done, final] = finish === undefined ? [true, result as unknown as R] : pcall(() => finish(result));
			if (!done) return fail(final);
			if (audited !== undefined) this.ctx.audit.ended(audited, seconds);
			resolve(final as R);
		});
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

	/** Loads a player who joined (loadOnJoin); kicks them when the load fails. */
	private loadJoined(player: Player): void {
		const [ok, err] = this.LoadPlayerData(player.UserId).await();
		if (ok || player.Parent === undefined) return;
		this.ctx.warn(`player ${player.UserId} could not be loaded: ${toServiceError(err, "LoadFailed").message}`);
		player.Kick("Your data could not be loaded. Please rejoin.");
	}
}

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
