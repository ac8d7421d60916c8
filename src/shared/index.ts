export { assertServer } from "./core/assertServer";
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
