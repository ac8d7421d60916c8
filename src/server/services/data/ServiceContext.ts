import type { ChangeValidator } from "./ChangeValidator";
import type { ResolvedConfig } from "./DataServiceConfig";
import type { ServiceStatistics } from "./DataServiceTypes";
import type { DurableSaves } from "./DurableSaves";
import type { InboxClaims } from "./InboxClaims";
import type { InboxLedger } from "./InboxLedger";
import type { KeyedMutex } from "shared/core/dal/KeyedMutex";
import type { WritePipeline } from "./pipeline/WritePipeline";
import type { ReleaseMessaging } from "./ReleaseMessaging";
import type { ServiceAudit } from "./ServiceAudit";
import type { SessionRegistry } from "./SessionRegistry";
import type { TradeOffers } from "./TradeOffers";

/**
 * What DataService's rooms share: the config, the counters, the held sessions, the player locks, the
 * inboxes, the save marks, the write pipeline, and each other (`rooms`, set once all are built).
 */
export interface ServiceContext {
	readonly config: ResolvedConfig;
	readonly stats: ServiceStatistics;
	readonly jobId: string;
	readonly sessions: SessionRegistry;
	readonly locks: KeyedMutex;
	readonly inboxes: InboxLedger;
	readonly saves: DurableSaves;
	readonly validator: ChangeValidator;
	readonly pipeline: WritePipeline;
	/** Security, performance and error events for the audit trail (a no-op with auditing off). */
	readonly audit: ServiceAudit;
	readonly rooms: {
		claims: InboxClaims;
		offers: TradeOffers;
		messaging: ReleaseMessaging;
	};
	readonly warn: (message: string) => void;
}
