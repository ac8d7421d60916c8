import type { RejectReason } from "shared/protocol/Messages";

/** Where {@link auditRefusals} records: `DataService.LogSecurityEvent` or `AuditLogger.LogSecurityEvent`. */
export type SecurityEventSink = (
	eventType: string,
	players: ReadonlyArray<number>,
	context: Record<string, unknown>,
) => void;

/**
 * A ServerStateSync `onReject` that records refused client payloads as `refusedPayload` security events,
 * at most one entry per player and reason per `interval` seconds: a client flooding bad payloads costs the
 * trail one entry per interval; each entry says how many refusals since the previous one were not recorded
 * (`suppressed`). The suppressed count of the last window is recorded only if another refusal comes.
 * @param interval - seconds per player and reason (default 10).
 * @example
 * ```ts
 * bindStateSync({ authority, keys, onReject: auditRefusals((t, p, c) => dataService.LogSecurityEvent(t, p, c)) });
 * ```
 */
export function auditRefusals(
	record: SecurityEventSink,
	interval = 10,
	now: () => number = os.clock,
): (player: Player, reason: RejectReason, message: string, key?: string) => void {
	const windows = new Map<string, { start: number; count: number }>();
	return (player, reason, message, key) => {
		const userId = (player as { UserId?: unknown }).UserId;
		const players = typeIs(userId, "number") ? [userId] : [];
		const id = `${players[0] ?? "?"}:${reason}`;
		const t = now();
		const window = windows.get(id);
		if (window !== undefined && t - window.start < interval) {
			window.count += 1;
			return;
		}
		windows.set(id, { start: t, count: 1 });
		record("refusedPayload", players, { reason, message, key, suppressed: (window?.count ?? 1) - 1 });
		// Forget quiet windows so a long server does not keep one per player and reason forever.
		if (windows.size() > 10000) for (const [k, w] of windows) if (t - w.start >= interval) windows.delete(k);
	};
}
