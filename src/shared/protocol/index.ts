export { PROTOCOL_VERSION, REJECT_REASONS, SUPPORTED_PROTOCOL_VERSIONS } from "./Messages";
export type {
	AckMessage,
	ClientMessage,
	HelloMessage,
	PatchMessage,
	PingMessage,
	PongMessage,
	ProposeMessage,
	PushMessage,
	RejectMessage,
	RejectReason,
	ResyncMessage,
	SavedMessage,
	Sequenced,
	ServerMessage,
	SnapshotEntry,
	SnapshotMessage,
} from "./Messages";
export type { PatchOp, PathSegment } from "./Patch";
export { KeyRegistry } from "./KeyRegistry";
export type { ConflictStrategy, KeyDefinition, RateLimit, RegisteredKey } from "./KeyRegistry";
export { DEFAULT_GUARD_LIMITS, guardPayload } from "./PayloadGuard";
export type { GuardLimits, GuardResult } from "./PayloadGuard";
export { TokenBucket } from "./TokenBucket";
