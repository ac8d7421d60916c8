import type { ConsistencyIssue, ConsistencyReport } from "./DataServiceTypes";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";
import { toServiceError } from "./TransferResults";

/**
 * The structural checks of a held player's data, until the ConsistencyChecker module exists: storability
 * and the schema, non-negative finite currencies, the schema version, the session lock, and (optionally)
 * the inbox's checksum (the DataAccessLayer verifies it on read).
 *
 * @param readInbox - also read the inbox (one GetAsync); the check on load skips it (the load just wrote it).
 * @example
 * ```ts
 * const report = checkConsistency(ctx, session, 2, true);
 * ```
 */
export function checkConsistency(
	ctx: ServiceContext,
	session: Session,
	schemaVersion: number,
	readInbox: boolean,
): ConsistencyReport {
	const stored = session.profile.Data;
	const issues = new Array<ConsistencyIssue>();
	for (const e of ctx.validator.problemsOf(stored.data)) {
		issues.push({ check: "schema", path: e.path, message: e.message });
	}
	for (const field of ctx.config.currencies) {
		const value = (stored.data as Record<string, unknown>)[field];
		if (value !== undefined && (!typeIs(value, "number") || value < 0 || value !== value || value === math.huge)) {
			issues.push({ check: "currency", path: field, message: `${field} is ${typeOf(value)} ${tostring(value)}` });
		}
	}
	if (stored.v !== schemaVersion) {
		issues.push({ check: "version", path: "", message: `schema version ${stored.v}, expected ${schemaVersion}` });
	}
	if (!session.profile.IsActive()) {
		issues.push({ check: "session", path: "", message: "the profile's session lock was lost" });
	}
	if (readInbox) {
		const [ok, err] = pcall(() => ctx.inboxes.read(session.userId));
		if (!ok) issues.push({ check: "inbox", path: "", message: toServiceError(err, "LoadFailed").message });
	}
	ctx.stats.consistencyChecks += 1;
	ctx.stats.consistencyIssues += issues.size();
	return {
		playerId: session.userId,
		ok: issues.size() === 0,
		issues,
		schemaVersion: stored.v,
		checkedAt: DateTime.now().UnixTimestamp,
	};
}
