import type { DataAuditEvent } from "../DataAccessLayer";
import type { AuditEvent } from "./AuditEntry";

/**
 * The audit event of something the DataAccessLayer's `audit` hook reports:
 * - `conflict` (an optimistic update found a newer version): data, warning, with the key, versions, strategy,
 *   resolution and the conflicting fields;
 * - `throttled` (a request waited for the server's DataStore budget): performance, warning for player saves
 *   and ordinary work, debug for background work (backups and the trail itself wait by design);
 * - `retry` (a retryable DataStore error): performance, info;
 * - `transaction`: data, debug (the pipeline already records the change the transaction made).
 * @example
 * ```ts
 * describeDataAccessEvent({ type: "throttled", key: "Players/1", priority: "critical", seconds: 2 });
 * // { category: "performance", type: "throttled", level: "warning", context: { key: "Players/1", ... } }
 * ```
 */
export function describeDataAccessEvent(event: DataAuditEvent): AuditEvent {
	if (event.type === "conflict") {
		const r = event.report;
		return {
			category: "data",
			type: "conflict",
			level: "warning",
			context: {
				key: r.key,
				expectedVersion: r.expectedVersion,
				actualVersion: r.actualVersion,
				strategy: r.strategy,
				resolution: r.resolution,
				fields: [...r.conflictingFields],
			},
		};
	}
	if (event.type === "throttled") {
		return {
			category: "performance",
			type: "throttled",
			level: event.priority === "background" ? "debug" : "warning",
			context: { key: event.key, priority: event.priority, seconds: event.seconds },
		};
	}
	if (event.type === "retry") {
		return {
			category: "performance",
			type: "retry",
			level: "info",
			context: { key: event.key, attempt: event.attempt, code: event.error.code, kind: event.error.kind },
			message: event.error.message,
		};
	}
	return {
		category: "data",
		type: "transaction",
		level: "debug",
		context: { id: event.id, outcome: event.outcome, keys: event.keys },
	};
}
