import type { ResolvedConfig } from "./DataServiceConfig";
import type { ServiceStatistics } from "./DataServiceTypes";

/** Fresh counters of a DataService. */
export function newStatistics(): ServiceStatistics {
	return {
		loadedProfiles: 0,
		loads: 0,
		loadFailures: 0,
		adoptions: 0,
		updates: 0,
		rejectedUpdates: 0,
		durableSaves: 0,
		durableFailures: 0,
		releaseRequestsSent: 0,
		releaseRequestsAnswered: 0,
		releasesForOthers: 0,
		releaseRequestPolls: 0,
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
}

/** Every SERVICE_CONFIG switch and setting as GetStatistics reports it. */
export function reportedConfig(config: ResolvedConfig, schemaVersion: number): Record<string, boolean | number> {
	return {
		enableTransactions: config.enableTransactions,
		enableCaching: config.enableCaching,
		enableBackups: config.enableBackups,
		enableAuditing: config.enableAuditing,
		enableConsistencyChecks: config.enableConsistencyChecks,
		enableMigration: config.enableMigration,
		batchOperations: config.batchOperations,
		maxConcurrentOperations: config.maxConcurrentOperations,
		operationTimeout: config.operationTimeout,
		validateAllWrites: config.validateAllWrites,
		backupBeforeUpdates: config.backupBeforeUpdates,
		checkConsistencyOnRead: config.checkConsistencyOnRead,
		bindPlayers: config.bindPlayers,
		loadOnJoin: config.loadOnJoin,
		durabilityWindow: config.durabilityWindow,
		schemaVersion,
	};
}
