// What a game's server scripts use: DataService (and its schema-typed factory), the DataAccessLayer for
// its own DataStore keys, their typed errors, and the server half of state sync.
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
export { createDataService } from "./services/createDataService";
export type {
	AdoptionConfig,
	AdoptionSource,
	ChangeKind,
	ChangeSide,
	ConsistencyIssue,
	ConsistencyReport,
	DataServiceConfig,
	DataServiceError,
	DataServiceErrorKind,
	DataServiceServices,
	DataServiceStatistics,
	HealthStatus,
	MessagingServiceLike,
	PipelineChange,
	PipelineStage,
	ProfileServiceLike,
	ServiceStatistics,
	StageRefusal,
	StageSlot,
	TradeOfferOptions,
	TradeOfferResult,
	TradeOfferView,
	TradeOutcome,
	TransferResult,
	UpdateContext,
	UpdateInput,
	UpdateResult,
} from "./services/DataService";
export { DataAccessLayer } from "shared/core/DataAccessLayer";
export type {
	ConflictReport,
	DataAccessLayerConfig,
	DataAuditEvent,
	DataDocument,
	DataError,
	DataErrorKind,
	DataStoreLike,
	DataStoreServiceLike,
	KeyRef,
	Lease,
	Priority,
	RequestOptions,
	RetryPolicy,
	TransactionKey,
	TransactionResult,
	TransactionSlot,
	VersionedUpdateOptions,
	VersionedUpdateResult,
	WriteOptions,
} from "shared/core/DataAccessLayer";
export { isDataError } from "shared/core/dal/DataError";
export { bindStateSync } from "./sync/bindStateSync";
export type { BindStateSyncOptions, BoundStateSync, RemoteAdapterOptions } from "./sync/bindStateSync";
export { DataServiceAuthority } from "./sync/DataServiceAuthority";
export { MemoryStateAuthority } from "./sync/MemoryStateAuthority";
export type { MemoryStateAuthorityOptions } from "./sync/MemoryStateAuthority";
export { ServerStateSync } from "./sync/ServerStateSync";
export type { ServerStateSyncOptions, SyncStats } from "./sync/ServerStateSync";
export type {
	ApplyContext,
	ApplyResult,
	AuthorityListener,
	StateAuthority,
	VersionedValue,
} from "./sync/StateAuthority";
export { ConsistencyChecker, currencyCap, equippedOwned, levelCap, mintItemId } from "shared/core/ConsistencyChecker";
export type {
	Anomaly,
	AnomalyRules,
	BusinessRule,
	ConsistencyCheckerConfig,
	ConsistencyRules,
	ConsistencyStatistics,
	FixKind,
	IssueCategory,
	IssueKind,
	QuarantineIncident,
	QuarantineNote,
	RepairRecord,
	RepairReport,
	RuleViolation,
	TemporalRules,
	UniqueItems,
} from "shared/core/ConsistencyChecker";
export type { ConsistencyOptions } from "./services/DataService";
