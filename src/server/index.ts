export { assertServer } from "shared/core/assertServer";
export { AuditLogger } from "shared/core/AuditLogger";
export type {
	AuditCategory,
	AuditConfig,
	AuditEntry,
	AuditEvent,
	AuditLevel,
	AuditPage,
	AuditQuery,
	AuditRange,
	AuditRecord,
	AuditVerification,
} from "shared/core/AuditLogger";
export { DataService, DEFAULT_SCHEMA, DEFAULT_TEMPLATE } from "./services/DataService";
export type {
	ConsistencyIssue,
	ConsistencyReport,
	DataServiceConfig,
	DataServiceError,
	DataServiceErrorKind,
	DataServiceServices,
	DataServiceStatistics,
	HealthStatus,
	MessagingServiceLike,
	ProfileServiceLike,
	ServiceStatistics,
	TradeOfferOptions,
	TradeOfferResult,
	TradeOfferView,
	TradeOutcome,
	TransferResult,
	UpdateContext,
	UpdateResult,
} from "./services/DataService";
export { bindStateSync, DataServiceAuthority, MemoryStateAuthority, ServerStateSync } from "./sync";
export type {
	ApplyContext,
	ApplyResult,
	AuthorityListener,
	BoundStateSync,
	MemoryStateAuthorityOptions,
	RemoteAdapterOptions,
	ServerStateSyncOptions,
	StateAuthority,
	SyncStats,
	VersionedValue,
} from "./sync";
