export { assertServer } from "shared/core/assertServer";
export { bindStateSync, MemoryStateAuthority, ServerStateSync } from "./sync";
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
