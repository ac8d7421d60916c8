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
export { bindHealthWebhook } from "./services/metrics/bindHealthWebhook";
export type { HealthWebhookOptions, HttpPoster } from "./services/metrics/bindHealthWebhook";
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
	AlertStatus,
	AlertThresholds,
	HealthChange,
	HistogramSnapshot,
	MetricsConfig,
	MetricsRange,
	MetricsReport,
	MetricsSample,
	SignalConnection,
	MessagingServiceLike,
	PipelineChange,
	PipelineStage,
	ProductGrant,
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
export { AccessControl } from "./services/admin/AccessControl";
export type { AccessControlConfig, CheckDetail, GroupServiceLike } from "./services/admin/AccessControl";
export { AdminApi } from "./services/admin/AdminApi";
export type { AdminApiConfig, MassOperation, MassOutcome } from "./services/admin/AdminApi";
export { isAdminError } from "./services/admin/AdminError";
export type { AdminError, AdminErrorKind } from "./services/admin/AdminError";
export { AdminRemote } from "./services/admin/AdminRemote";
export type { AdminRemoteOptions, AdminRemoteStats } from "./services/admin/AdminRemote";
export type { AdminReply, AdminRequest } from "./services/admin/AdminRequest";
export { CAPABILITIES } from "./services/admin/Capability";
export type { Capability } from "./services/admin/Capability";
export type { RoleDefinition, RoleTable } from "./services/admin/RoleConfig";
export { FieldEncryption } from "shared/core/security/FieldEncryption";
export type { FieldEncryptionConfig, FieldEncryptionStats } from "shared/core/security/FieldEncryption";
export { KeyRing } from "shared/core/security/KeyRing";
export type { KeyRingConfig } from "shared/core/security/KeyRing";
export { sensitivePathsOf } from "shared/core/validator/sensitivePathsOf";
export { DataMigrationTool, EnvelopeSource, isMigrationError } from "shared/core/DataMigrationTool";
export type {
	BatchOptions,
	BatchStatistics,
	DataMigrationToolConfig,
	Migrated,
	MigrationError,
	MigrationErrorKind,
	MigrationRun,
	MigrationSource,
	MigrationStep,
	MigrationValidator,
	RunState,
	RunSummary,
	SourceDocument,
	VersionCheck,
} from "shared/core/DataMigrationTool";
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
