export { PROTOCOL_VERSION, REJECT_REASONS } from "./Messages";
export type {
	AckMessage,
	ClientMessage,
	HelloMessage,
	ProposeMessage,
	PushMessage,
	RejectMessage,
	RejectReason,
	SavedMessage,
	ServerMessage,
	SnapshotEntry,
	SnapshotMessage,
} from "./Messages";
export { KeyRegistry } from "./KeyRegistry";
export type { ConflictStrategy, KeyDefinition, RateLimit, RegisteredKey } from "./KeyRegistry";
export { DEFAULT_GUARD_LIMITS, guardPayload } from "./PayloadGuard";
export type { GuardLimits, GuardResult } from "./PayloadGuard";
export { TokenBucket } from "./TokenBucket";
