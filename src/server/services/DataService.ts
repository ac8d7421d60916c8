import type { Profile, ProfileStore } from "@rbxts/profileservice/globals";
import { HttpService, MemoryStoreService, MessagingService, Players } from "@rbxts/services";
import { CacheManager } from "shared/core/CacheManager";
import { DataAccessLayer, DataError } from "shared/core/DataAccessLayer";
import { CompiledSchema, DataValidator, ValidationError } from "shared/core/DataValidator";
import { deepCopy } from "shared/protocol/deepCopy";
import { DataServiceConfig, ResolvedConfig, resolveConfig } from "./data/DataServiceConfig";
import { DataServiceError, isServiceError, serviceError } from "./data/DataServiceError";
import { addAmounts, Amounts, checkAmounts } from "./data/Amounts";
import {
	DeltaEntry,
	EscrowEntry,
	heldBy,
	InboxDocument,
	InboxEntry,
	OutgoingEntry,
	outgoingKey,
	planClaim,
	replaceEntries,
	resultKey,
	TradeOutcome,
	withEntry,
} from "./data/Inbox";
import { InboxChange, InboxLedger } from "./data/InboxLedger";
import { assessHealth } from "./data/Health";
import { KeyedMutex } from "./data/KeyedMutex";
import { MemoryStoreServiceLike, ServerPresence } from "./data/ServerPresence";

export { DEFAULT_SCHEMA, DEFAULT_TEMPLATE } from "./data/DataServiceConfig";
export type { DataServiceConfig, TradeOfferView } from "./data/DataServiceConfig";
export type { TradeOutcome } from "./data/Inbox";
export type * from "./data/DataServiceTypes";
import type {
	ConsistencyIssue,
	ConsistencyReport,
	DataServiceServices,
	DataServiceStatistics,
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

type Message = { t: "release" | "ack" | "inbox"; u: number; j: string };

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

interface Session {
	readonly userId: number;
	/** Unique to this load of the profile: written to the player's inbox, it fences every transfer. */
	readonly token: string;
	readonly profile: Profile<StoredProfile, unknown>;
	/** Worth of changes not yet saved: BindToClose saves the most valuable first. */
	unsaved: number;
	saveSeq: number;
	/**
	 * Transfer ids applied by this session, with the save mark count when they were applied: an id is
	 * saved once a save with a higher mark reached the DataStore. Its inbox entry may only be removed then.
	 */
	readonly appliedAt: Map<string, number>;
}

const SEQ_TAG = "DataService.seq";
const INBOX_NUDGE_WAIT = 0.25;
/** While an offer waits for its outcome, the recipient is nudged (and the offerer's inbox read) this often. */
const OFFER_NUDGE_INTERVAL = 5;
const MAX_OFFER_SECONDS = 30 * 24 * 3600;

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
	private readonly inboxes: InboxLedger;
	private readonly cache: CacheManager<object>;
	private readonly validator: DataValidator;
	private readonly compiled?: CompiledSchema<unknown>;
	private readonly messaging: MessagingServiceLike;
	private readonly presence: ServerPresence;
	private readonly profileService: ProfileServiceLike;
	private readonly store: ProfileStore<object, unknown>;
	private readonly sessions = new Map<number, Session>();
	private readonly mutex = new KeyedMutex();
	private readonly acks = new Set<number>();
	/** Profiles whose release save is still in flight: a release request for them is answered. */
	private readonly releasing = new Set<number>();
	/** Offers an OfferTrade call here waits for, with their outcome once the offerer's inbox delivered it. */
	private readonly awaitedOffers = new Map<string, TradeOutcome | false>();
	/** Open offers of players held here with a cancel already scheduled for their expiry. */
	private readonly scheduledCancels = new Set<string>();
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
		tradeOffers: 0,
		offersCompleted: 0,
		offersDeclined: 0,
		offersExpired: 0,
		transferFailures: 0,
		inboxClaims: 0,
		consistencyChecks: 0,
		consistencyIssues: 0,
		lostSessions: 0,
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
		this.inboxes = new InboxLedger(this.dal, this.config.inboxStoreName);
		this.cache = services.cache ?? new CacheManager<object>();
		this.validator = services.validator ?? new DataValidator();
		if (this.config.schema !== undefined) {
			this.compiled = this.validator.compile(this.config.schema);
			const result = this.compiled.validate(this.config.template);
			if (!result.ok) error(`[DataService] the template breaks the schema: ${describeErrors(result.errors)}`, 2);
		}
		this.schemaVersion = this.config.migrations.size() + 1;
		this.messaging = services.messagingService ?? (MessagingService as unknown as MessagingServiceLike);
		const memoryStore = services.memoryStoreService ?? (MemoryStoreService as unknown as MemoryStoreServiceLike);
		this.presence = new ServerPresence(memoryStore.GetHashMap(`${this.config.topic}.Servers`), this.jobId);
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
	 * profiles are saved. With a player on another server (or offline), use {@link DataService.OfferTrade}.
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
					[playerA, playerB],
					[(inbox) => withEntry(inbox, id, entryA), (inbox) => withEntry(inbox, id, entryB)],
					[sa, sb],
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
	 * Moves amounts from a player held here to any player (on this server, another one, or offline): the
	 * sender loses `amounts` now, the recipient gains them exactly once, when its server claims its inbox
	 * (at once when it is online, otherwise on its next load).
	 *
	 * @param amounts - positive whole amounts by numeric field, a top-level name or a dotted path, e.g.
	 *   `{ coins: 100, "inventory.sword": 1 }`.
	 * @returns the gift id; rejects with `InvalidArgument`, `NotLoaded`, `ValidationFailed` or `TransferFailed`.
	 * @example
	 * ```ts
	 * await dataService.SendGift(sender.UserId, friendId, { coins: 100 });
	 * ```
	 */
	SendGift(fromId: number, toId: number, amounts: Amounts): Promise<TransferResult> {
		return this.operation(() => {
			this.checkPlayerId(fromId);
			this.checkPlayerId(toId);
			if (fromId === toId) throw serviceError("InvalidArgument", "a player cannot gift itself");
			const gift = checkAmounts(amounts, "gift amounts", false);
			if (!this.config.enableTransactions) throw serviceError("TransferFailed", "gifts need enableTransactions");
			const id = HttpService.GenerateGUID(false);
			const delta: DeltaEntry = { k: "d", d: gift, f: fromId };
			const sender = this.mutex.run(tostring(fromId), () => {
				const session = this.requireSession(fromId);
				const updated = deepCopy(session.profile.Data.data);
				addAmounts(updated, gift, -1, false);
				this.checkWhole(updated);
				const entry = this.snapshotEntry(session, id, updated);
				this.commit(
					[fromId, toId],
					[(inbox) => withEntry(inbox, id, entry), (inbox) => withEntry(inbox, id, delta)],
					[session, undefined],
				);
				this.applySnapshot(session, id, updated, entry.n);
				this.stats.gifts += 1;
				return session;
			});
			this.nudge(toId);
			this.settleTransfer([sender], id);
			return { id };
		}, "TransferFailed");
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
	): Promise<TradeOfferResult> {
		return this.operation(() => {
			this.checkPlayerId(fromId);
			this.checkPlayerId(toId);
			if (fromId === toId) throw serviceError("InvalidArgument", "a player cannot trade with itself");
			const gives = checkAmounts(give, "give", true);
			const takes = checkAmounts(take, "take", true);
			if (next(gives)[0] === undefined && next(takes)[0] === undefined) {
				throw serviceError("InvalidArgument", "a trade offer must give or take something");
			}
			if (!typeIs(options, "table")) throw serviceError("InvalidArgument", "options must be a table");
			const expiresIn = options.expiresIn ?? this.config.tradeOfferTimeout;
			const wait = options.wait ?? expiresIn + OFFER_NUDGE_INTERVAL;
			for (const [name, value] of [
				["expiresIn", expiresIn],
				["wait", wait],
			] as const) {
				if (!typeIs(value, "number") || value < 0 || value > MAX_OFFER_SECONDS || value !== value) {
					throw serviceError("InvalidArgument", `${name} must be 0 to ${MAX_OFFER_SECONDS} seconds`);
				}
			}
			if (!this.config.enableTransactions) throw serviceError("TransferFailed", "trades need enableTransactions");
			const id = HttpService.GenerateGUID(false);
			const expires = DateTime.now().UnixTimestamp + expiresIn;
			const offerer = this.mutex.run(tostring(fromId), () => {
				const session = this.requireSession(fromId);
				const updated = deepCopy(session.profile.Data.data);
				addAmounts(updated, gives, -1, false);
				this.checkWhole(updated);
				// What the offerer would hold once it completes must fit the schema too.
				const completed = deepCopy(updated);
				addAmounts(completed, takes, 1, true);
				this.checkWhole(completed);
				const entry = this.snapshotEntry(session, id, updated);
				const marker: OutgoingEntry = { k: "o", r: toId, g: gives, e: expires };
				const escrow: EscrowEntry = { k: "x", f: fromId, g: gives, t: takes, e: expires };
				this.commit(
					[fromId, toId],
					[
						(inbox) => replaceEntries(inbox, [], { [id]: entry, [outgoingKey(id)]: marker }),
						(inbox) => withEntry(inbox, id, escrow),
					],
					[session, undefined],
				);
				this.applySnapshot(session, id, updated, entry.n);
				this.stats.tradeOffers += 1;
				this.awaitedOffers.set(id, false);
				return session;
			});
			// The escrow is committed: the recipient may answer while the offerer's side is being saved.
			this.nudge(toId);
			const [settled, err] = pcall(() => this.settleTransfer([offerer], id));
			if (!settled) {
				// The escrow stands whatever this save does (the inbox holds the offerer's side): report, then wait.
				this.warn(`offer ${id}: ${toServiceError(err, "SaveFailed").message}`);
			}
			return { id, expires, wait, started: os.clock() };
		}, "TransferFailed").andThen(
			({ id, expires, wait, started }) =>
				new Promise<TradeOfferResult>((resolve) =>
					resolve({ id, status: this.awaitOffer(fromId, toId, id, expires, started + wait) }),
				),
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
			const [ok, err] = pcall(() => this.inboxes.read(playerId));
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
		return assessHealth({
			stats: this.stats,
			pendingRequests: this.dal.getPendingCount(),
			maxConcurrentOperations: this.config.maxConcurrentOperations,
			criticalState: (this.profileService as unknown as { CriticalState?: boolean }).CriticalState === true,
			shuttingDown: this.shuttingDown,
		});
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
		this.presence.stop();
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
		session.profile.SetMetaTag(SEQ_TAG, `${session.token}:${session.saveSeq}`);
		return session.saveSeq;
	}

	/** The newest of this session's save marks that reached the DataStore (another session's marks count 0). */
	private savedSeq(session: Session): number {
		const latest = session.profile.MetaData.MetaTagsLatest as unknown as Record<string, unknown> | undefined;
		const value = latest?.[SEQ_TAG];
		if (!typeIs(value, "string")) return 0;
		const [token, seq] = value.match("^(.*):(%d+)$");
		return token === session.token ? (tonumber(seq) ?? 0) : 0;
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
		session.appliedAt.set(id, session.saveSeq);
		stored.seq = seq;
		session.unsaved += 1e6;
		this.cacheSession(session);
	}

	/**
	 * Commits a change of two inboxes in one transaction, only while `owners` (the sessions whose side
	 * changes, by slot) still hold their profiles; throws NotLoaded when one was taken over, else
	 * TransferFailed.
	 */
	private commit(
		playerIds: [number, number],
		changes: [InboxChange, InboxChange],
		owners: [Session | undefined, Session | undefined],
	): void {
		const result = this.inboxes.commit(playerIds, changes, [owners[0]?.token, owners[1]?.token]);
		if (result.status === "lost") {
			const lost = owners[result.slot]!;
			this.loseSession(lost);
			throw serviceError("NotLoaded", `player ${lost.userId}: the profile was taken over by another server`);
		}
		if (result.status !== "committed") {
			this.stats.transferFailures += 1;
			const reason =
				result.status === "calledOff"
					? "the transaction was called off"
					: toServiceError(result.error, "TransferFailed").message;
			throw serviceError("TransferFailed", `the transfer did not commit: ${reason}`);
		}
	}

	/**
	 * Forgets a session whose profile another server took over (its inbox names another session): nothing
	 * more is done for it here, and ProfileService's release of it writes nothing.
	 */
	private loseSession(session: Session): void {
		this.stats.lostSessions += 1;
		if (this.sessions.get(session.userId) === session) {
			this.sessions.delete(session.userId);
			this.cache.delete(tostring(session.userId));
		}
		if (session.profile.IsActive()) session.profile.Release();
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
		const removal = this.inboxes.removeEntries(session.userId, session.token, ids);
		if (removal === "lost") this.loseSession(session);
		if (removal !== "removed") return; // Left for the next claim: the ids stay applied, so the entries are skipped.
		for (const id of ids) {
			delete session.profile.Data.applied[id];
			session.appliedAt.delete(id);
		}
	}

	/** Whether transfer `id`, applied to the session's data, is in what the DataStore holds. */
	private isSaved(session: Session, id: string): boolean {
		const at = session.appliedAt.get(id);
		// Not applied by this session: it came with the loaded profile, so it is saved.
		return at === undefined || this.savedSeq(session) > at;
	}

	/**
	 * Applies whatever the inbox holds for a held player (saving before removing the entries), then answers
	 * the trade offers waiting in it and refunds its own expired ones.
	 */
	private claimInbox(session: Session, depth = 0, known?: InboxDocument): void {
		const inbox = known ?? this.inboxes.read(session.userId);
		if (!heldBy(inbox, session.token)) {
			this.loseSession(session);
			throw serviceError("NotLoaded", `player ${session.userId}: the profile was taken over by another server`);
		}
		const stored = session.profile.Data;
		const applied = new Set<string>();
		for (const [id] of pairs(stored.applied)) applied.add(id);
		const plan = planClaim(inbox, applied);
		if (plan.snapshot !== undefined) {
			stored.data = deepCopy(plan.snapshot.d);
			stored.seq = math.max(stored.seq, plan.snapshot.n);
		}
		for (const [, entry] of plan.deltas) {
			const [ok, err] = pcall(() => addAmounts(stored.data, entry.d, 1, true));
			if (!ok) this.warn(`player ${session.userId}: a delivery does not fit the data: ${tostring(err)}`);
			if (entry.x !== undefined && entry.o !== undefined) this.noteOutcome(entry.x, entry.o);
		}
		for (const id of plan.newlyApplied) {
			stored.applied[id] = true;
			session.appliedAt.set(id, session.saveSeq);
		}
		// Entries are removed only once what they changed is saved (a transfer of this session may still be
		// waiting for its save: removing its entry first would lose it in a crash).
		if (plan.newlyApplied.size() > 0 || plan.removable.some((id) => !this.isSaved(session, id))) {
			this.stats.inboxClaims += plan.newlyApplied.size();
			session.unsaved += 1e6;
			this.cacheSession(session);
			this.waitSaved(session, this.markForSave(session));
		}
		if (plan.removable.size() > 0) this.removeEntries(session, new Set(plan.removable));
		let refunded = false;
		for (const [key, entry] of pairs(inbox.e)) {
			if (entry.k === "x") this.answerOffer(session, key, entry);
			else if (entry.k === "o" && this.expireOffer(session, key.sub(1, -3), entry)) refunded = true;
		}
		// A refund was written to this inbox: deliver it now (it holds no offer that could loop).
		if (refunded && depth === 0) this.claimInbox(session, 1);
	}

	/** Records the outcome of an offer an OfferTrade call here waits for. */
	private noteOutcome(id: string, outcome: TradeOutcome): void {
		if (this.awaitedOffers.has(id)) this.awaitedOffers.set(id, outcome);
		if (outcome === "completed") this.stats.offersCompleted += 1;
		else if (outcome === "declined") this.stats.offersDeclined += 1;
		else this.stats.offersExpired += 1;
	}

	/**
	 * On the recipient's server: accepts an offer in escrow when it is still open, the recipient can pay and
	 * the game agrees, otherwise declines it (refunds the offerer); one transaction does either, only if the
	 * escrow is still there. Errors leave the escrow for a later claim or the offerer's refund.
	 */
	private answerOffer(session: Session, id: string, escrow: EscrowEntry): void {
		const recipient = session.userId;
		let outcome: TradeOutcome = "completed";
		let after: object | undefined;
		if (DateTime.now().UnixTimestamp >= escrow.e) outcome = "expired";
		else {
			const [ok, reason] = pcall(() => {
				const data = deepCopy(session.profile.Data.data);
				addAmounts(data, escrow.t, -1, false);
				addAmounts(data, escrow.g, 1, true);
				this.checkWhole(data);
				const view = { id, from: escrow.f, to: recipient, give: escrow.g, take: escrow.t, expiresAt: escrow.e };
				if (this.config.acceptTrade(deepCopy(view), deepCopy(session.profile.Data.data)) !== true) {
					throw serviceError("TransferFailed", "the game declined it");
				}
				return data;
			});
			if (ok) after = reason;
			else outcome = "declined";
		}
		const entry = after !== undefined ? this.snapshotEntry(session, id, after) : undefined;
		const result: DeltaEntry = {
			k: "d",
			d: outcome === "completed" ? escrow.t : escrow.g,
			f: recipient,
			x: id,
			o: outcome,
		};
		let lost = false;
		const [ok, committed] = pcall(() =>
			this.inboxes.transact([escrow.f, recipient], (offerer, mine) => {
				if (mine?.e[id]?.k !== "x") return undefined; // Answered or refunded already.
				lost = !heldBy(mine, session.token);
				if (lost) return undefined;
				const own: Record<string, InboxEntry> = entry !== undefined ? { [id]: entry } : {};
				return [
					replaceEntries(offerer, [outgoingKey(id)], { [resultKey(id)]: result }),
					replaceEntries(mine, [id], own),
				];
			}),
		);
		if (!ok) {
			this.warn(
				`offer ${id} to ${recipient} not answered yet: ${toServiceError(committed, "TransferFailed").message}`,
			);
			return;
		}
		if (lost) {
			this.loseSession(session);
			throw serviceError("NotLoaded", `player ${recipient}: the profile was taken over by another server`);
		}
		if (committed !== true) return;
		if (after !== undefined && entry !== undefined) {
			this.applySnapshot(session, id, after, entry.n);
			this.waitSaved(session, this.markForSave(session));
			this.removeEntries(session, new Set([id]));
		}
		this.nudge(escrow.f);
	}

	/**
	 * On the offerer's server: refunds an offer of a held player once it expired, in one transaction with
	 * the escrow's removal (nothing happens if the recipient answered first). Before that, schedules itself
	 * for the expiry. Returns whether a refund was written.
	 */
	private expireOffer(session: Session, id: string, marker: OutgoingEntry): boolean {
		const remaining = marker.e - DateTime.now().UnixTimestamp;
		if (remaining > 0) {
			if (!this.scheduledCancels.has(id)) {
				// First seen here (a new load of the offerer): make sure the recipient heard of it.
				this.nudge(marker.r);
				this.scheduledCancels.add(id);
				task.delay(remaining + 1, () => {
					this.scheduledCancels.delete(id);
					this.claimQuietly(session.userId);
				});
			}
			return false;
		}
		const refund: DeltaEntry = { k: "d", d: marker.g, f: session.userId, x: id, o: "expired" };
		const [ok, committed] = pcall(() =>
			this.inboxes.transact([session.userId, marker.r], (mine, theirs) => {
				if (theirs?.e[id]?.k !== "x") return undefined; // Answered first: its result is in `mine`.
				return [
					replaceEntries(mine, [outgoingKey(id)], { [resultKey(id)]: refund }),
					replaceEntries(theirs, [id], {}),
				];
			}),
		);
		if (!ok) this.warn(`offer ${id} not refunded yet: ${toServiceError(committed, "TransferFailed").message}`);
		return ok && committed === true;
	}

	/**
	 * Waits (outside any lock) for the outcome of an offer made here: nudges the recipient and reads the
	 * offerer's inbox now and then, and once it expired lets the offerer's claim refund it.
	 */
	private awaitOffer(
		fromId: number,
		toId: number,
		id: string,
		expires: number,
		deadline: number,
	): TradeOfferResult["status"] {
		let lastNudge = os.clock();
		let lastExpiry = -math.huge;
		for (;;) {
			const outcome = this.awaitedOffers.get(id);
			if (outcome !== undefined && outcome !== false) {
				this.awaitedOffers.delete(id);
				return outcome;
			}
			if (os.clock() >= deadline || !this.sessions.has(fromId)) {
				this.awaitedOffers.delete(id);
				return "pending";
			}
			const expired = DateTime.now().UnixTimestamp >= expires;
			if (expired && os.clock() - lastExpiry >= 1) {
				lastExpiry = os.clock();
				this.claimQuietly(fromId);
			} else if (os.clock() - lastNudge >= OFFER_NUDGE_INTERVAL) {
				lastNudge = os.clock();
				this.nudge(toId);
				this.claimQuietly(fromId);
			}
			task.wait(0.25);
		}
	}

	/** Tells the server holding `playerId` (this one or another) to read its inbox. */
	private nudge(playerId: number): void {
		if (this.sessions.has(playerId)) task.spawn(() => this.claimQuietly(playerId));
		else this.publish({ t: "inbox", u: playerId, j: this.jobId });
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
			// Nobody answered: watch the holder's heartbeat until it expires (a crash: take its session over
			// at once) or the release timeout passes (a live holder whose answers were lost: ForceLoad).
			while (!acked && os.clock() - started <= this.config.releaseTimeout) {
				if (this.presence.isAlive(jobId) === false) {
					this.stats.takeovers += 1;
					this.warn(`player ${playerId}: holder ${jobId} is dead; taking its session over`);
					return "Steal";
				}
				task.wait(1);
			}
			if (os.clock() - started > this.config.releaseTimeout) {
				// A live holder that did not release in time (or whose answers were lost): ForceLoad makes it
				// save and release at its next auto-save; never Steal from a live server (two holders).
				this.stats.takeovers += 1;
				return "ForceLoad";
			}
			task.wait(acked ? 0.5 : 1);
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
		const token = HttpService.GenerateGUID(false);
		const session: Session = { userId: playerId, token, profile, unsaved: 0, saveSeq: 0, appliedAt: new Map() };
		// From here on, a server that held the profile before can commit nothing more for this player.
		const [fenced, taken] = pcall(() => this.inboxes.takeForSession(playerId, token));
		if (!fenced) {
			profile.Release();
			this.stats.loadFailures += 1;
			throw serviceError(
				"LoadFailed",
				`player ${playerId}: its inbox could not be taken for this session: ${toServiceError(taken, "LoadFailed").message}`,
			);
		}
		this.sessions.set(playerId, session);
		profile.ListenToRelease(() => {
			if (this.sessions.get(playerId) === session) {
				this.sessions.delete(playerId);
				this.cache.delete(tostring(playerId));
			}
		});
		// The inbox as the token write left it: the claim needs no read of its own.
		const [ok, err] = pcall(() => this.claimInbox(session, 0, taken));
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
