export { assertServer } from "./core/assertServer";
export { CompiledSchema, DataValidator, DATASTORE_VALUE_LIMIT, formatPath } from "./core/DataValidator";
export type {
	Change,
	Check,
	DataValidatorConfig,
	Infer,
	Rule,
	SanitizeOptions,
	SanitizeResult,
	Schema,
	SchemaLiteral,
	SchemaObject,
	SchemaTypeName,
	ValidationError,
	ValidationErrorKind,
	ValidationResult,
} from "./core/DataValidator";
export { CacheManager, CacheError, DEFAULT_CACHE_LEVELS, LzCodec } from "./core/CacheManager";
export type {
	CacheSetOptions,
	CacheConfig,
	CacheErrorKind,
	CacheLevelConfig,
	CacheLevelName,
	CacheLevelStats,
	CacheStats,
	Codec,
	EvictionPolicyName,
	JsonService,
} from "./core/CacheManager";
export {
	DEFAULT_GUARD_LIMITS,
	guardPayload,
	KeyRegistry,
	PROTOCOL_VERSION,
	REJECT_REASONS,
	TokenBucket,
} from "./protocol";
export type {
	AckMessage,
	ClientMessage,
	ConflictStrategy,
	GuardLimits,
	GuardResult,
	HelloMessage,
	KeyDefinition,
	ProposeMessage,
	PushMessage,
	RateLimit,
	RegisteredKey,
	RejectMessage,
	RejectReason,
	SavedMessage,
	ServerMessage,
	SnapshotEntry,
	SnapshotMessage,
} from "./protocol";
