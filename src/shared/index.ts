// What both realms may use: the validator (a client can check a form before sending it), the cache, and
// the state-sync key registry with its reject reasons. Wire messages, the payload guard, the token bucket
// and the cache's codecs are internals of the package and are not exported.
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
export { CacheManager, CacheError, DEFAULT_CACHE_LEVELS } from "./core/CacheManager";
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
export { KeyRegistry } from "./protocol/KeyRegistry";
export type { ConflictStrategy, KeyDefinition, RateLimit, RegisteredKey } from "./protocol/KeyRegistry";
export { REJECT_REASONS } from "./protocol/Messages";
export type { RejectReason } from "./protocol/Messages";
