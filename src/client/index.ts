// What a game's LocalScripts use: the StateManager and the adapter that binds it to the server's remote.
export { CHANGE_TYPES } from "./managers/ChangeType";
export type { ChangeType } from "./managers/ChangeType";
export { StateManager } from "./managers/StateManager";
export type { ChangeInfo, ChangeListener, ListenerHandle, StateManagerOptions } from "./managers/StateManager";
export { STATE_LEVELS } from "./managers/StateLevel";
export type { StateLevel } from "./managers/StateLevel";
export { PRIORITY_DELAYS, STATE_PRIORITIES } from "./managers/StatePriority";
export type { StatePriority } from "./managers/StatePriority";
export { startStateSync } from "./managers/startStateSync";
export type { StateSyncClient, StateSyncClientOptions } from "./managers/startStateSync";
