import type { Schema } from "shared/core/DataValidator";

/**
 * The original SERVICE_CONFIG switches and the profile settings, every field optional. Switches whose
 * module does not exist yet (backups, audit, migrations beyond the recorded schema version) are accepted
 * and reported by GetStatistics, never silently dropped.
 */
export interface DataServiceConfig {
	/** Gifts and trades commit through DataAccessLayer transactions (default true; false refuses them). */
	readonly enableTransactions?: boolean;
	/** Keep loaded player data in the CacheManager (default true). */
	readonly enableCaching?: boolean;
	readonly enableBackups?: boolean;
	readonly enableAuditing?: boolean;
	readonly enableConsistencyChecks?: boolean;
	readonly enableMigration?: boolean;
	readonly batchOperations?: boolean;
	/** Operations of this service running at once; more wait their turn (default 10). */
	readonly maxConcurrentOperations?: number;
	/** Seconds a load or a durable save may take before its Promise rejects (default 30). */
	readonly operationTimeout?: number;
	/** Validate every change against the schema before it touches the profile (default true). */
	readonly validateAllWrites?: boolean;
	readonly backupBeforeUpdates?: boolean;
	/** Run the consistency check on every load (default false). */
	readonly checkConsistencyOnRead?: boolean;

	/** ProfileStore (DataStore) name of player profiles (default "PlayerData"). */
	readonly profileStoreName?: string;
	/** DataStore of per-player inboxes for gifts and trades (default "DataService.Inbox"). */
	readonly inboxStoreName?: string;
	/** MessagingService topic for release requests and inbox nudges (default "DataService"). */
	readonly topic?: string;
	/** The game's data for a new player. */
	readonly template?: object;
	/** The game's schema: every change and every loaded profile is checked against it. */
	readonly schema?: Schema;
	/** Top-level numeric fields that must never go negative (default ["coins", "gems"]). */
	readonly currencies?: ReadonlyArray<string>;
	/**
	 * Migrations, oldest first: `migrations[i]` turns data of schema version i + 1 into version i + 2. The
	 * current schema version is `migrations.size() + 1`.
	 */
	readonly migrations?: ReadonlyArray<(data: object) => object>;
	/** Seconds to wait for an answer to each release request (default 3). */
	readonly ackTimeout?: number;
	/**
	 * Release requests sent to a holder before looking at its heartbeat: a silent holder whose heartbeat
	 * expired (a crash) is taken over at once, a live one never is (default 2).
	 */
	readonly releaseRequests?: number;
	/**
	 * Seconds to wait for a live holder to release before ForceLoad, which makes it save and release at its
	 * next auto-save (default 15).
	 */
	readonly releaseTimeout?: number;
	/** Subscribe to Players.PlayerAdded/PlayerRemoving and game:BindToClose (default true). */
	readonly bindPlayers?: boolean;
	/** Print warnings (default true). */
	readonly warnings?: boolean;
	/** Seconds a trade offer stays open when OfferTrade is given no `expiresIn` (default 60). */
	readonly tradeOfferTimeout?: number;
	/**
	 * Asked on the recipient's server before it accepts a valid trade offer (default: accept). Return false
	 * to decline; an error declines too. `data` is a copy of the recipient's data.
	 */
	readonly acceptTrade?: (offer: TradeOfferView, data: object) => boolean;
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
export type ResolvedConfig = Required<Omit<DataServiceConfig, "schema">> & { readonly schema?: Schema };

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

function acceptTradeOf(hook: DataServiceConfig["acceptTrade"]): NonNullable<DataServiceConfig["acceptTrade"]> {
	if (hook === undefined) return () => true;
	if (!typeIs(hook, "function")) error(`[DataService] acceptTrade must be a function, got ${typeOf(hook)}`, 4);
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
			error(`[DataService] ${name} must be a positive number, got ${tostring(value)}`, 3);
		}
		return value;
	};
	const schema = config.schema ?? (config.template === undefined ? DEFAULT_SCHEMA : undefined);
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
		ackTimeout: positive("ackTimeout", config.ackTimeout, 3),
		releaseRequests: math.floor(positive("releaseRequests", config.releaseRequests, 2)),
		releaseTimeout: positive("releaseTimeout", config.releaseTimeout, 15),
		bindPlayers: config.bindPlayers ?? true,
		warnings: config.warnings ?? true,
		tradeOfferTimeout: positive("tradeOfferTimeout", config.tradeOfferTimeout, 60),
		acceptTrade: acceptTradeOf(config.acceptTrade),
	};
}
