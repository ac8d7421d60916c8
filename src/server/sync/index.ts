export { ServerStateSync } from "./ServerStateSync";
export type { ServerStateSyncOptions, SyncStats } from "./ServerStateSync";
export { MemoryStateAuthority } from "./MemoryStateAuthority";
export type { MemoryStateAuthorityOptions } from "./MemoryStateAuthority";
export type { ApplyContext, ApplyResult, AuthorityListener, StateAuthority, VersionedValue } from "./StateAuthority";
export { bindStateSync } from "./RemoteAdapter";
export type { BoundStateSync, RemoteAdapterOptions } from "./RemoteAdapter";
export { DataServiceAuthority } from "./DataServiceAuthority";
