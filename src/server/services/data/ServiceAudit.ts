import type { AuditLevel, AuditLogger } from "shared/core/AuditLogger";
import { isServiceError } from "./DataServiceError";

/** What DataService.ErasePlayer removed. */
export interface PlayerErasure {
	/** WipeProfileAsync's answer: true when the profile key was removed. */
	readonly profile: boolean;
	readonly inbox: boolean;
	/** Whether backups were erased (a BackupManager is attached). */
	readonly backups: boolean;
	/** Audit entries whose content was erased. */
	readonly auditEntries: number;
	/** Pre-migration images of the profile removed from migration runs (DataMigrationTool chunks). */
	readonly migrationPreImages: number;
}

/** What an operation of the facade was: its method and the players it named. */
export interface AuditedOperation {
	readonly name: string;
	readonly players: ReadonlyArray<unknown>;
}

/** Failures of the game's own call: worth a warning, not an error of the service. */
const CALLER_FAULTS = new Set<string>(["InvalidArgument", "ValidationFailed", "TransformFailed", "NotLoaded"]);

/**
 * What DataService tells its audit trail besides the pipeline's data changes: security events (session
 * takeovers, fencing refusals, stage refusals, a game's own access checks), performance events (operations
 * slower than the logger's `slowOperationSeconds`) and errors (operations that rejected). A no-op without
 * an AuditLogger (`enableAuditing` off). Never yields, never throws.
 * @example
 * ```ts
 * ctx.audit.security("sessionSteal", [playerId], { holder: jobId });
 * ```
 */
export class ServiceAudit {
	constructor(private readonly logger: AuditLogger | undefined) {}

	/** Records a security event about `players` (UserIds; anything else is left out). */
	security(
		eventType: string,
		players: ReadonlyArray<unknown>,
		context?: Readonly<Record<string, unknown>>,
		level: AuditLevel = "warning",
	): void {
		if (this.logger === undefined) return;
		this.logger.LogSecurityEvent(eventType, userIds(players), context, level);
	}

	/**
	 * Records how an operation ended: a rejection as an error (a stage's refusal as a security event), and
	 * any operation that took longer than the threshold as a `slowOperation`.
	 */
	ended(operation: AuditedOperation, seconds: number, err?: unknown): void {
		const logger = this.logger;
		if (logger === undefined) return;
		const players = userIds(operation.players);
		if (seconds > logger.slowOperationSeconds) {
			logger.Log({
				category: "performance",
				type: "slowOperation",
				level: "warning",
				players,
				context: { operation: operation.name, seconds, threshold: logger.slowOperationSeconds },
			});
		}
		if (err === undefined) return;
		const kind = isServiceError(err) ? err.kind : "Unknown";
		const message = isServiceError(err) ? err.message : tostring(err);
		if (kind === "Refused") {
			logger.LogSecurityEvent("refusedChange", players, { operation: operation.name, reason: message });
			return;
		}
		logger.Log({
			category: "error",
			type: kind,
			level: CALLER_FAULTS.has(kind) ? "warning" : "error",
			players,
			context: { operation: operation.name },
			message,
		});
	}
}

/** The valid UserIds among what an operation was given (its arguments are checked after this is built). */
function userIds(values: ReadonlyArray<unknown>): Array<number> {
	const out = new Array<number>();
	for (const value of values) {
		if (typeIs(value, "number") && value % 1 === 0 && value !== 0 && !out.includes(value)) out.push(value);
	}
	return out;
}
