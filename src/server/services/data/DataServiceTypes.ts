// The public types of DataService: its services, arguments, results and reports.
import type { FieldEncryption } from "shared/core/security/FieldEncryption";
import type { ProfileStore } from "@rbxts/profileservice/globals";
import type { AuditLogger } from "shared/core/AuditLogger";
import type { BackupManager } from "shared/core/BackupManager";
import type { CacheManager } from "shared/core/CacheManager";
import type { DataAccessLayer } from "shared/core/DataAccessLayer";
import type { DataValidator } from "shared/core/DataValidator";
import type { TradeOutcome } from "./Inbox";
import type { MemoryStoreServiceLike } from "./ServerPresence";

/** The ProfileService functions the service calls (injectable for specs). */
export interface ProfileServiceLike {
	/** ProfileService's module functions are called with a dot. */
	readonly GetProfileStore: (this: void, name: string, template: object) => ProfileStore<object, unknown>;
}

/** The DataStoreService method ViewPlayerData calls. */
export interface DataStoreServiceLike {
	/** `scope` is used by adoption's `store`/`key` sources. */
	GetDataStore(
		name: string,
		scope?: string,
	): {
		GetAsync(key: string, options?: DataStoreGetOptions): LuaTuple<[unknown, ...Array<unknown>]>;
		/** The offline duplicate scan lists the profile store's keys (DataService.ScanForDuplicates). */
		ListKeysAsync?(prefix: string, pageSize: number, cursor?: string): DataStoreKeyPages;
	};
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
	/** Holds the servers' heartbeats (which session-lock holders are alive). */
	readonly memoryStoreService?: MemoryStoreServiceLike;
	readonly dataAccessLayer?: DataAccessLayer;
	/** Reads other players' profiles for ViewPlayerData (ProfileService writes them). */
	readonly dataStoreService?: DataStoreServiceLike;
	/** Caches views of players this server does not hold (ViewPlayerData); held players are not cached. */
	readonly cache?: CacheManager<object>;
	readonly validator?: DataValidator;
	/** The audit trail `enableAuditing` plugs into the write pipeline (default: a new AuditLogger). */
	readonly auditLogger?: AuditLogger;
	/** Used when `enableBackups` or `backupBeforeUpdates` is on (default: one over this DataAccessLayer). */
	readonly backupManager?: BackupManager;
	/**
	 * Encrypts the schema's sensitive fields at rest and signs each stored profile (HMAC): the stored profile,
	 * the default backups and audit trail hold ciphertext, the game sees plaintext (default: off).
	 */
	readonly fieldEncryption?: FieldEncryption;
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
	/** False when the update function returned undefined (nothing was changed). */
	readonly changed: boolean;
}

/**
 * A gift or trade that happened: it is committed (both sides, in the inboxes) whatever `saved` says, so a
 * game must not report it failed or run it again. `saved` tells whether the changed profiles were
 * confirmed saved within `operationTimeout`; if not, they are saved later or restored from the inbox.
 */
export interface TransferResult {
	readonly id: string;
	readonly committed: true;
	readonly saved: boolean;
}

/** Options of {@link DataService.OfferTrade}. */
export interface TradeOfferOptions {
	/** Seconds the offer stays open (default the config's tradeOfferTimeout; at most 30 days). */
	readonly expiresIn?: number;
	/** Seconds to wait for the outcome before resolving "pending" (default: until it expires). */
	readonly wait?: number;
}

/** What {@link DataService.OfferTrade} resolves with. */
export interface TradeOfferResult {
	readonly id: string;
	/**
	 * How the offer ended: "completed" (both sides changed), "declined" or "expired" (the offerer got its
	 * part back), or "pending" (still open when the wait ended; its outcome reaches the profiles by itself).
	 */
	readonly status: TradeOutcome | "pending";
}

export type { ConsistencyIssue, ConsistencyReport } from "shared/core/ConsistencyChecker";

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
	/** Players whose existing data was adopted (DataServiceConfig.adopt). */
	adoptions: number;
	updates: number;
	rejectedUpdates: number;
	durableSaves: number;
	durableFailures: number;
	releaseRequestsSent: number;
	releaseRequestsAnswered: number;
	releasesForOthers: number;
	/** MemoryStore reads of this server's release requests (ReleaseRequests: at most 10 a minute per session). */
	releaseRequestPolls: number;
	takeovers: number;
	trades: number;
	gifts: number;
	tradeOffers: number;
	offersCompleted: number;
	offersDeclined: number;
	offersExpired: number;
	transferFailures: number;
	inboxClaims: number;
	consistencyChecks: number;
	consistencyIssues: number;
	/** Sessions found taken over by another server while an operation was in flight (it was refused). */
	lostSessions: number;
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
		/** ViewPlayerData of players not held here: views served, and DataStore reads they cost. */
		readonly views: number;
		readonly viewReads: number;
	};
	readonly validator: { readonly validated: number; readonly rejected: number };
	readonly profiles: { readonly criticalState: boolean; readonly issueCount: number };
	readonly config: { readonly [name: string]: boolean | number };
}
