import type { MigrationStep } from "shared/core/migration/MigrationStep";
import type { Schema } from "shared/core/DataValidator";
import type { AdoptionConfig } from "./AdoptionConfig";
import { MetricsConfig, ResolvedMetricsConfig, resolveMetricsConfig } from "../metrics/MetricsConfig";
import type { ConsistencyOptions } from "./ConsistencyOptions";

/**
 * The original SERVICE_CONFIG switches and the profile settings, every field optional. Each switch does
 * what its name says. GetStatistics reports every one.
 *
 * @typeParam T - the player data's type; `new DataService(config)` infers it from `template`.
 */
export interface DataServiceConfig<T extends object = object> {
	/** Gifts and trades commit through DataAccessLayer transactions (default true; false refuses them). */
	readonly enableTransactions?: boolean;
	/**
	 * Cache views of players this server does not hold (`ViewPlayerData`) in the CacheManager, invalidated
	 * on every server when the holder saves (default true). Held players are read from memory either way.
	 */
	readonly enableCaching?: boolean;
	/** Automatic, manual and pre-restore backups (default false; builds a BackupManager, see GetBackupManager). */
	readonly enableBackups?: boolean;
	/**
	 * The audit trail (default false): true adds an AuditLogger's stage to the write pipeline (the one in
	 * the services, or a new one on the service's DataAccessLayer).
	 */
	readonly enableAuditing?: boolean;
	/** RunConsistencyCheck and checkConsistencyOnRead (default true; false makes RunConsistencyCheck reject `Disabled`). */
	readonly enableConsistencyChecks?: boolean;
	/**
	 * Run `migrations` on load (default true). Off, a profile of an older schema version is refused
	 * (`InvalidData`) instead of being used as if it were current.
	 */
	readonly enableMigration?: boolean;
	/**
	 * Batch changes into the next auto-save, within `durabilityWindow` (default true). Off, every change starts
	 * a save at once (more DataStore writes, a shorter window a crash can lose).
	 */
	readonly batchOperations?: boolean;
	/**
	 * Seconds between two auto-saves of a held profile whose data changed (default 30, at least 6): the
	 * progress a crash can lose. A profile that did not change is not written, so an idle player costs no
	 * DataStore request; durable updates are saved at once whatever this says. Used by DataService's own
	 * session lock (not by a ProfileService given in the services, which auto-saves every 30 s).
	 */
	readonly durabilityWindow?: number;
	/** Operations of this service running at once; more wait their turn (default 10). */
	readonly maxConcurrentOperations?: number;
	/**
	 * Seconds an operation may wait (default 30): for the player's lock (past it a load or change is refused
	 * with `TimedOut`, nothing applied) and for a durable save's confirmation (`SaveFailed`). Taking a
	 * profile from another server is bounded by `releaseTimeout` instead (then ForceLoad).
	 */
	readonly operationTimeout?: number;
	/**
	 * Check every change against the schema and the currency rule before it touches the profile (default
	 * true). Storability (no NaN, infinities, functions, mixed tables) is checked whatever this says.
	 */
	readonly validateAllWrites?: boolean;
	/** Back up before every update whose context has `backup: true` (default false; builds a BackupManager). */
	readonly backupBeforeUpdates?: boolean;
	/** Run the consistency check on every load and refuse data that fails it (`InvalidData`; default false). */
	readonly checkConsistencyOnRead?: boolean;

	/** ProfileStore (DataStore) name of player profiles (default "PlayerData"). */
	readonly profileStoreName?: string;
	/** DataStore of per-player inboxes for gifts and trades (default "DataService.Inbox"). */
	readonly inboxStoreName?: string;
	/** MessagingService topic for release requests and inbox nudges (default "DataService"). */
	readonly topic?: string;
	/** The game's data for a new player (give a `schema` with it, or set `validateAllWrites: false`). */
	readonly template?: T;
	/** The game's schema: every change and every loaded profile is checked against it. */
	readonly schema?: Schema;
	/** Top-level numeric fields that must never go negative (default ["coins", "gems"]). */
	readonly currencies?: ReadonlyArray<string>;
	/**
	 * Migrations, oldest first: `migrations[i]` turns data of schema version i + 1 into version i + 2. The
	 * current schema version is `migrations.size() + 1`. Each is a declared step (`{ name, from, up, down?,
	 * compatibleBackTo?, sample? }`, see MigrationStep: checksummed into the durable history, an edited
	 * published step is refused) or, as before, a bare function (named `migration <n>`, with no sample an
	 * edit of it cannot be detected). They run on load and in `RunMigration` batches.
	 */
	readonly migrations?: ReadonlyArray<((data: object) => object) | MigrationStep>;
	/**
	 * Seconds to wait for an answer to each release request (default 5: MessagingService delivers "typically
	 * within 1-2 seconds", so a request and its answer take up to 4 s).
	 */
	readonly ackTimeout?: number;
	/**
	 * Release requests sent to a live holder, `ackTimeout` apart, while the loader waits for its lock (default
	 * 2). A holder whose heartbeat expired (a crash) is taken over at once, a live one never is.
	 */
	readonly releaseRequests?: number;
	/**
	 * Seconds to wait for a live holder to release before ForceLoad, which makes it save and release at its
	 * next auto-save (default 15).
	 */
	readonly releaseTimeout?: number;
	/**
	 * Release a player's profile on Players.PlayerRemoving and every profile in game:BindToClose (default
	 * true).
	 */
	readonly bindPlayers?: boolean;
	/**
	 * Load each player's profile when they join (Players.PlayerAdded, and players already in the game);
	 * a player whose load fails is kicked with a message to rejoin (default false: the game calls
	 * LoadPlayerData).
	 */
	readonly loadOnJoin?: boolean;
	/** Print warnings (default true). */
	readonly warnings?: boolean;
	/** Seconds a trade offer stays open when OfferTrade is given no `expiresIn` (default 60). */
	readonly tradeOfferTimeout?: number;
	/**
	 * Asked on the recipient's server before it accepts a valid trade offer (default: accept). Return false
	 * to decline; an error declines too. `data` is a copy of the recipient's data.
	 */
	readonly acceptTrade?: (offer: TradeOfferView, data: object) => boolean;
	/**
	 * Adopt an existing game's data on a player's first load: profiles ProfileService saved under this
	 * store, ProfileStore profiles or plain DataStore tables, through the game's `map` (see
	 * {@link AdoptionConfig}). Default: none (a profile that is not DataService's is refused `InvalidData`).
	 */
	readonly adopt?: AdoptionConfig;
	/** Metrics over time (GetMetrics) and the HealthChanged alert's thresholds (see {@link MetricsConfig}). */
	readonly metrics?: MetricsConfig;
	/**
	 * How many developer-product PurchaseIds each profile remembers, newest kept (default 100; see
	 * DataService.ProcessReceipt). Bounded so profiles do not grow with every purchase: a purchase whose id
	 * fell out of it could be granted again, so keep it above the purchases a player makes while one of
	 * theirs is still unresolved.
	 */
	readonly receiptHistorySize?: number;
	/**
	 * What the ConsistencyChecker checks and does (see {@link ConsistencyOptions}): the game's catalog,
	 * unique items, business and temporal rules, anomalies, repairs, quarantine and the schedule.
	 */
	readonly consistency?: ConsistencyOptions;
}

/** A trade offer as {@link DataServiceConfig.acceptTrade} sees it. */
export interface TradeOfferView {
	readonly id: string;
	/** The offerer's user id. */
	readonly from: number;
	/** The recipient's user id. */
	readonly to: number;
	/** What the recipient gets. */
	readonly give: Readonly<Record<string, number>>;
	/** What the recipient pays. */
	readonly take: Readonly<Record<string, number>>;
	/** Unix seconds when the offer expires. */
	readonly expiresAt: number;
}

/** Every config field with its default filled in. */
export type ResolvedConfig = Required<Omit<DataServiceConfig, "schema" | "adopt" | "metrics" | "consistency">> & {
	readonly schema?: Schema;
	readonly adopt?: AdoptionConfig;
	readonly metrics: ResolvedMetricsConfig;
	readonly consistency: ConsistencyOptions;
};

/**
 * The starting data of a player when a game gives no template.
 * @example
 * ```ts
 * print(DEFAULT_TEMPLATE.coins); // 0
 * ```
 */
export const DEFAULT_TEMPLATE = { coins: 0, gems: 0, level: 1, inventory: {} as Record<string, number> };

/**
 * The schema of {@link DEFAULT_TEMPLATE}: whole non-negative currencies, a level from 1 to 1000, an
 * inventory of item counts.
 * @example
 * ```ts
 * new DataService({ schema: DEFAULT_SCHEMA, template: DEFAULT_TEMPLATE });
 * ```
 */
export const DEFAULT_SCHEMA = {
	type: "object",
	properties: {
		coins: { type: "integer", minimum: 0 },
		gems: { type: "integer", minimum: 0 },
		level: { type: "integer", minimum: 1, maximum: 1000 },
		inventory: { type: "object", additionalProperties: { type: "integer", minimum: 0 } },
	},
	required: ["coins", "gems", "level", "inventory"],
	additionalProperties: false,
} as const;

/** The type each config field must have (the rest are checked where they are read). */
const FIELD_TYPES: Record<string, string> = {
	enableTransactions: "boolean",
	enableCaching: "boolean",
	enableBackups: "boolean",
	enableAuditing: "boolean",
	enableConsistencyChecks: "boolean",
	enableMigration: "boolean",
	batchOperations: "boolean",
	validateAllWrites: "boolean",
	backupBeforeUpdates: "boolean",
	checkConsistencyOnRead: "boolean",
	bindPlayers: "boolean",
	loadOnJoin: "boolean",
	warnings: "boolean",
	profileStoreName: "string",
	inboxStoreName: "string",
	topic: "string",
	template: "table",
	schema: "table",
	currencies: "table",
	migrations: "table",
};

/** Config fields checked where they are read (numbers and the hook). */
const OTHER_FIELDS = new Set([
	"maxConcurrentOperations",
	"operationTimeout",
	"ackTimeout",
	"releaseRequests",
	"releaseTimeout",
	"tradeOfferTimeout",
	"acceptTrade",
	"adopt",
	"metrics",
	"receiptHistorySize",
	"consistency",
	"durabilityWindow",
]);

/** Checks DataServiceConfig.adopt's shape (a plain message naming the field, like every config error). */
function adoptionOf(adopt: DataServiceConfig["adopt"]): AdoptionConfig | undefined {
	if (adopt === undefined) return undefined;
	if (!typeIs(adopt, "table")) error(`[DataService] adopt must be a table, got ${typeOf(adopt)}`, 0);
	if (!typeIs(adopt.map, "function"))
		error(`[DataService] adopt.map must be a function, got ${typeOf(adopt.map)}`, 0);
	const from = adopt.from as unknown;
	if (from === "ProfileService") return adopt;
	if (!typeIs(from, "table")) {
		error(
			`[DataService] adopt.from must be "ProfileService" or { store, key }, got ${typeOf(from)} ${tostring(from)}`,
			0,
		);
	}
	const source = from as { store?: unknown; key?: unknown; scope?: unknown; format?: unknown };
	if (!typeIs(source.store, "string"))
		error(`[DataService] adopt.from.store must be a string, got ${typeOf(source.store)}`, 0);
	if (!typeIs(source.key, "function"))
		error(`[DataService] adopt.from.key must be a function, got ${typeOf(source.key)}`, 0);
	if (source.scope !== undefined && !typeIs(source.scope, "string"))
		error(`[DataService] adopt.from.scope must be a string, got ${typeOf(source.scope)}`, 0);
	if (source.format !== undefined && source.format !== "plain" && source.format !== "ProfileStore")
		error(
			`[DataService] adopt.from.format must be "plain" or "ProfileStore", got ${typeOf(source.format)} ${tostring(source.format)}`,
			0,
		);
	return adopt;
}

/** Checks DataServiceConfig.consistency's shape (the checker checks its rules). */
function consistencyOf(options: DataServiceConfig["consistency"]): ConsistencyOptions {
	if (options === undefined) return {};
	if (!typeIs(options, "table")) error(`[DataService] consistency must be a table, got ${typeOf(options)}`, 0);
	const mode = options.onQuarantine;
	if (mode !== undefined && mode !== "refuse" && mode !== "fresh")
		error(
			`[DataService] consistency.onQuarantine must be "refuse" or "fresh", got ${typeOf(mode)} ${tostring(mode)}`,
			0,
		);
	const interval = options.checkInterval;
	if (interval !== undefined && (!typeIs(interval, "number") || interval < 0 || interval !== interval))
		error(
			`[DataService] consistency.checkInterval must be a number of seconds >= 0, got ${typeOf(interval)} ${tostring(interval)}`,
			0,
		);
	return options;
}

/**
 * The fewest seconds between two saves of one profile: 10 saves a minute per player is the whole per-player
 * share of a server's write budget (60 + 10 x players per minute:
 * create.roblox.com/docs/cloud-services/data-stores/error-codes-and-limits).
 */
const MIN_DURABILITY_WINDOW = 6;

function durabilityWindowOf(window: number | undefined): number {
	if (window === undefined) return 30;
	if (!typeIs(window, "number") || window !== window || window < MIN_DURABILITY_WINDOW || window === math.huge)
		error(
			`[DataService] durabilityWindow must be a number of seconds from ${MIN_DURABILITY_WINDOW}, got ${typeOf(window)} ${tostring(window)}`,
			0,
		);
	return window;
}

function acceptTradeOf(hook: DataServiceConfig["acceptTrade"]): NonNullable<DataServiceConfig["acceptTrade"]> {
	if (hook === undefined) return () => true;
	if (!typeIs(hook, "function")) error(`[DataService] acceptTrade must be a function, got ${typeOf(hook)}`, 0);
	return hook;
}

/**
 * Fills in the defaults of a {@link DataServiceConfig}.
 * @throws a plain message when a field has the wrong type.
 * @example
 * ```ts
 * const config = resolveConfig({ operationTimeout: 10 });
 * ```
 */
export function resolveConfig(config: DataServiceConfig): ResolvedConfig {
	const positive = (name: string, value: number | undefined, fallback: number) => {
		if (value === undefined) return fallback;
		if (!typeIs(value, "number") || value <= 0 || value !== value) {
			error(`[DataService] ${name} must be a positive number, got ${typeOf(value)} ${tostring(value)}`, 0);
		}
		return value;
	};
	const schema = config.schema ?? (config.template === undefined ? DEFAULT_SCHEMA : undefined);
	if (schema === undefined && config.validateAllWrites !== false) {
		error(
			"[DataService] a template without a schema would turn validation off: give a schema, or set validateAllWrites: false",
			0,
		);
	}
	if (config.checkConsistencyOnRead === true && config.enableConsistencyChecks === false) {
		error("[DataService] checkConsistencyOnRead needs enableConsistencyChecks", 0);
	}
	for (const [name, value] of pairs(config)) {
		if (FIELD_TYPES[name as string] === undefined && !OTHER_FIELDS.has(name as string))
			error(`[DataService] unknown config field "${tostring(name)}"`, 0);
		const kind = FIELD_TYPES[name as string];
		if (kind !== undefined && typeOf(value) !== kind) {
			error(`[DataService] ${tostring(name)} must be a ${kind}, got ${typeOf(value)}`, 0);
		}
	}
	return {
		enableTransactions: config.enableTransactions ?? true,
		enableCaching: config.enableCaching ?? true,
		enableBackups: config.enableBackups ?? false,
		enableAuditing: config.enableAuditing ?? false,
		enableConsistencyChecks: config.enableConsistencyChecks ?? true,
		enableMigration: config.enableMigration ?? true,
		batchOperations: config.batchOperations ?? true,
		maxConcurrentOperations: math.floor(positive("maxConcurrentOperations", config.maxConcurrentOperations, 10)),
		operationTimeout: positive("operationTimeout", config.operationTimeout, 30),
		validateAllWrites: config.validateAllWrites ?? true,
		backupBeforeUpdates: config.backupBeforeUpdates ?? false,
		checkConsistencyOnRead: config.checkConsistencyOnRead ?? false,
		profileStoreName: config.profileStoreName ?? "PlayerData",
		inboxStoreName: config.inboxStoreName ?? "DataService.Inbox",
		topic: config.topic ?? "DataService",
		template: config.template ?? DEFAULT_TEMPLATE,
		schema,
		currencies: config.currencies ?? ["coins", "gems"],
		migrations: config.migrations ?? [],
		ackTimeout: positive("ackTimeout", config.ackTimeout, 5),
		releaseRequests: math.floor(positive("releaseRequests", config.releaseRequests, 2)),
		releaseTimeout: positive("releaseTimeout", config.releaseTimeout, 15),
		bindPlayers: config.bindPlayers ?? true,
		loadOnJoin: config.loadOnJoin ?? false,
		warnings: config.warnings ?? true,
		tradeOfferTimeout: positive("tradeOfferTimeout", config.tradeOfferTimeout, 60),
		acceptTrade: acceptTradeOf(config.acceptTrade),
		adopt: adoptionOf(config.adopt),
		metrics: resolveMetricsConfig(config.metrics),
		receiptHistorySize: math.floor(positive("receiptHistorySize", config.receiptHistorySize, 100)),
		consistency: consistencyOf(config.consistency),
		durabilityWindow: durabilityWindowOf(config.durabilityWindow),
	};
}
