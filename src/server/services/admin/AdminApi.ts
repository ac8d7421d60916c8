import { HttpService } from "@rbxts/services";
import type { AuditLogger, AuditPage, AuditQuery, AuditRecord } from "shared/core/AuditLogger";
import { parseSensitivePaths, redactSensitive } from "shared/core/audit/redactSensitive";
import type { RestoreOptions, RestoreResult } from "shared/core/BackupManager";
import { describe } from "shared/core/validator/nodes";
import type { Schema } from "shared/core/validator/Schema";
import { sensitivePathsOf } from "shared/core/validator/sensitivePathsOf";
import type { DataService } from "../DataService";
import type { MemoryStoreServiceLike } from "../data/ServerPresence";
import type { AccessControl } from "./AccessControl";
import { AdminError, adminError, isAdminError } from "./AdminError";
import { AdminHook, AdminHooks } from "./AdminHooks";
import { Approvals, PendingApproval } from "./Approvals";
import type { Capability } from "./Capability";
import { isUserId } from "./isUserId";

/** A destructive operation over many players: it runs only once a second admin approved it. */
export type MassOperation =
	| { readonly kind: "massRestore"; readonly players: ReadonlyArray<number>; readonly time: number }
	| { readonly kind: "wipe"; readonly players: ReadonlyArray<number>; readonly requestId: string }
	| { readonly kind: "massMigration"; readonly args: unknown };

/** What each player's part of an approved mass operation did. */
export interface MassOutcome {
	readonly id: string;
	readonly kind: MassOperation["kind"];
	readonly results: ReadonlyArray<{ readonly player?: number; readonly ok: boolean; readonly error?: string }>;
}

/** Erases what another module keeps about a player (encryption keys, ...), called by ErasePlayer. */
export type Eraser = (playerId: number, requestId: string) => void;

/** Configuration of an {@link AdminApi}. */
export interface AdminApiConfig {
	readonly dataService: DataService<object>;
	readonly access: AccessControl;
	/** Needed for audit.read and erasure (the trail the DataService writes to). */
	readonly audit?: AuditLogger;
	/** The game's schema: its `sensitive: true` fields are shown only to holders of pii.read. */
	readonly schema?: Schema;
	/** More dotted paths shown only to holders of pii.read (the audit trail's format). */
	readonly sensitivePaths?: ReadonlyArray<string>;
	/** Its ErasePlayer (crypto-shredding) runs with every erasure. */
	readonly fieldEncryption?: { ErasePlayer(this: unknown, userId: number): void };
	/** Seconds a mass operation waits for its second admin (default 600). */
	readonly approvalWindow?: number;
	/**
	 * Where pending approvals live, shared by every server of the experience (default MemoryStoreService),
	 * and the name of their hash map (default "DataService.Approvals").
	 */
	readonly memoryStoreService?: MemoryStoreServiceLike;
	readonly approvalMap?: string;
	/** Unix seconds, the clock every server shares (default os.time): approval expiries. */
	readonly clock?: () => number;
}

const MAX_MASS_PLAYERS = 1000;
const MAX_REASON = 200;

/**
 * The admin operations, server-side, each behind a capability checked (and audited) on every call: view
 * and edit a player held here or offline, grant amounts to a player anywhere, restore, erase, query and
 * export the audit trail, the hooks of the migration and quarantine modules, and two-person approval of
 * destructive mass operations. `actor` is the UserId of the admin acting: server code passes it; the admin
 * remote passes the sending Player's, never one from a payload.
 *
 * Every method returns a Promise that rejects with an {@link AdminError}.
 *
 * @example
 * ```ts
 * const admin = new AdminApi({ dataService, access, audit });
 * const data = admin.ViewPlayer(moderatorId, 123).expect();
 * admin.EditPlayer(moderatorId, 123, { coins: 0 }, "refund abuse ticket 88").expect();
 * ```
 */
export class AdminApi {
	private readonly hooks = new AdminHooks();
	private readonly approvals: Approvals<MassOperation>;
	private readonly erasers = new Array<Eraser>();
	private readonly sensitive;
	private internalErrors = 0;

	constructor(private readonly config: AdminApiConfig) {
		if (!typeIs(config, "table"))
			throw adminError("InvalidArgument", `config must be a table, got ${describe(config)}`);
		if (!typeIs(config.dataService, "table")) {
			throw adminError(
				"InvalidArgument",
				`dataService must be a DataService, got ${describe(config.dataService)}`,
			);
		}
		if (!typeIs(config.access, "table")) {
			throw adminError("InvalidArgument", `access must be an AccessControl, got ${describe(config.access)}`);
		}
		const memoryStore =
			config.memoryStoreService ?? (game.GetService("MemoryStoreService") as unknown as MemoryStoreServiceLike);
		this.approvals = new Approvals(
			config.approvalWindow ?? 600,
			memoryStore.GetHashMap(config.approvalMap ?? "DataService.Approvals"),
			config.clock ?? os.time,
		);
		const fields = config.fieldEncryption;
		if (fields !== undefined) this.erasers.push((playerId) => fields.ErasePlayer(playerId));
		const paths = [...(config.sensitivePaths ?? [])];
		if (config.schema !== undefined) for (const path of sensitivePathsOf(config.schema)) paths.push(path);
		this.sensitive = parseSensitivePaths(paths);
	}

	/**
	 * Registers an operation another module owns (`migration.run`, `migration.rollback`,
	 * `quarantine.release`, or a new name with its capability).
	 * @returns a function that unregisters it.
	 */
	RegisterHook(name: string, fn: AdminHook, capability?: Capability): () => void {
		return this.hooks.register(name, fn, capability);
	}

	/** Adds what {@link ErasePlayer} must also erase (an encryption key ring registers its shredding). */
	AddEraser(eraser: Eraser): void {
		this.erasers.push(eraser);
	}

	/**
	 * A player's data: held here from memory, otherwise what the DataStore holds. Sensitive fields show as
	 * `"[redacted]"` unless the actor holds pii.read. Needs data.read.
	 */
	ViewPlayer(actor: number, target: number): Promise<object | undefined> {
		return this.run(() => {
			checkTarget(target);
			this.require(actor, "data.read", target, "viewPlayer");
			const data = this.failed(() => this.config.dataService.ViewPlayerData(target).expect());
			if (data === undefined || this.sensitive.size() === 0) return data;
			if (this.config.access.check(actor, "pii.read", { target, action: "viewPlayer" })) return data;
			return redactSensitive(data, [], this.sensitive, "redact", () => "") as object;
		});
	}

	/**
	 * Sets top-level fields of a player's data through the write pipeline (validated, backed up, audited
	 * with `source: "admin"`, the actor and the reason). A player held here is edited in its session; an
	 * offline one is loaded under its session lock, edited, saved and released; a player held by another
	 * server is refused with `HeldElsewhere` (loading it here would end that server's session: use
	 * {@link GrantPlayer}, which its server applies). Needs data.edit.
	 */
	EditPlayer(actor: number, target: number, changes: Record<string, unknown>, reason: string): Promise<object> {
		return this.run(() => {
			checkTarget(target);
			checkReason(reason);
			if (!typeIs(changes, "table")) {
				throw adminError(
					"InvalidArgument",
					`changes must be a table of top-level fields, got ${describe(changes)}`,
				);
			}
			for (const [key] of pairs(changes)) {
				if (!typeIs(key, "string"))
					throw adminError("InvalidArgument", `changes: key ${describe(key)} is not a field name`);
			}
			this.require(actor, "data.edit", target, "editPlayer");
			const context = { source: "admin", admin: actor, reason };
			return this.withSession(target, (service) =>
				this.failed(() => service.UpdatePlayerData(target, changes as never, context).expect().data),
			);
		});
	}

	/**
	 * Adds positive whole amounts to numeric fields of a player wherever it is: applied by the server holding
	 * it (through its inbox), or at its next load, exactly once. Needs data.edit.
	 * @returns the delivery id.
	 */
	GrantPlayer(actor: number, target: number, amounts: Record<string, number>, reason: string): Promise<string> {
		return this.run(() => {
			checkTarget(target);
			checkReason(reason);
			if (!typeIs(amounts, "table"))
				throw adminError("InvalidArgument", `amounts must be a table, got ${describe(amounts)}`);
			this.require(actor, "data.edit", target, "grantPlayer");
			return this.failed(() => this.config.dataService.deliverAmounts(target, amounts).expect());
		});
	}

	/**
	 * Restores a player from the newest verified backup at or before `time` (BackupManager.RestorePlayer),
	 * held here or offline (refused `HeldElsewhere` otherwise). Needs data.restore.
	 */
	RestorePlayer(
		actor: number,
		target: number,
		time: number,
		options: Pick<RestoreOptions, "dryRun" | "keep"> = {},
	): Promise<RestoreResult> {
		return this.run(() => {
			checkTarget(target);
			if (!typeIs(time, "number") || time !== time)
				throw adminError("InvalidArgument", `time must be a number, got ${describe(time)}`);
			if (!typeIs(options, "table"))
				throw adminError("InvalidArgument", `options must be a table, got ${describe(options)}`);
			this.require(actor, "data.restore", target, "restorePlayer");
			return this.restore(target, time, options);
		});
	}

	/**
	 * Erases a player: their audit entries (AuditLogger.ErasePlayer) and whatever registered erasers hold
	 * (their encryption key: their encrypted fields become unreadable everywhere, backups included). Needs
	 * data.erase.
	 */
	ErasePlayer(actor: number, target: number, requestId: string): Promise<{ entries: number }> {
		return this.run(() => {
			checkTarget(target);
			checkReason(requestId, "requestId");
			this.require(actor, "data.erase", target, "erasePlayer");
			return this.erase(target, requestId);
		});
	}

	/**
	 * Accepts a profile edited outside the library (its HMAC did not match, its loads are refused) as it is
	 * now, e.g. an edit made on purpose through Open Cloud. Needs data.edit; audited.
	 */
	AcceptEditedProfile(actor: number, target: number, reason: string): Promise<void> {
		return this.run(() => {
			checkTarget(target);
			checkReason(reason);
			this.require(actor, "data.edit", target, "acceptEditedProfile");
			this.failed(() => this.config.dataService.acceptEditedProfile(target));
			this.config.audit?.Log({
				category: "security",
				type: "editedProfileAccepted",
				level: "warning",
				players: [actor, target],
				context: { reason },
			});
		});
	}

	/** One page of a player's audit entries (AuditLogger.QueryPlayer). Needs audit.read. */
	QueryAudit(actor: number, target: number, query: AuditQuery = {}): Promise<AuditPage> {
		return this.run(() => {
			checkTarget(target);
			if (!typeIs(query, "table"))
				throw adminError("InvalidArgument", `query must be a table, got ${describe(query)}`);
			this.require(actor, "audit.read", target, "queryAudit");
			const audit = this.needAudit();
			return this.failed(() => audit.QueryPlayer(target, query).expect());
		});
	}

	/** Every audit entry of a player in `query`'s range, as one JSON document. Needs audit.read. */
	ExportAudit(actor: number, target: number, query: Omit<AuditQuery, "cursor" | "limit"> = {}): Promise<string> {
		return this.run(() => {
			checkTarget(target);
			if (!typeIs(query, "table"))
				throw adminError("InvalidArgument", `query must be a table, got ${describe(query)}`);
			this.require(actor, "audit.read", target, "exportAudit");
			const audit = this.needAudit();
			const records = new Array<AuditRecord>();
			let cursor: string | undefined;
			do {
				const page = this.failed(() => audit.QueryPlayer(target, { ...query, limit: 500, cursor }).expect());
				for (const record of page.records) records.push(record);
				cursor = page.next;
			} while (cursor !== undefined);
			return HttpService.JSONEncode({ player: target, records });
		});
	}

	/**
	 * Runs a registered hook (`migration.run`, `quarantine.release`, ...) after checking its capability.
	 * Rejects `NotAvailable` when nothing is registered under the name.
	 */
	RunHook(actor: number, name: string, args?: unknown): Promise<unknown> {
		return this.run(() => {
			if (!typeIs(name, "string"))
				throw adminError("InvalidArgument", `hook name must be a string, got ${describe(name)}`);
			const capability = this.hooks.capabilityOf(name);
			if (capability === undefined) throw adminError("NotAvailable", `no admin hook named ${name.sub(1, 64)}`);
			this.require(actor, capability, undefined, `hook:${name}`);
			const hook = this.hooks.get(name);
			if (hook === undefined)
				throw adminError("NotAvailable", `hook ${name} is reserved but no module registered it`);
			return this.failed(() => hook(actor, args));
		});
	}

	/**
	 * Files a destructive mass operation (mass restore, wipe, mass migration): it runs only when a different
	 * admin holding the same capability approves it within the approval window. The requester needs the
	 * capability too.
	 * @returns the approval id and when it expires.
	 */
	RequestMassOperation(actor: number, operation: MassOperation): Promise<{ id: string; expires: number }> {
		return this.run(() => {
			const capability = checkMassOperation(operation);
			this.require(actor, capability, undefined, `request:${operation.kind}`);
			const entry = this.approvals.request(actor, capability, operation);
			this.config.audit?.Log({
				category: "security",
				type: "massOperationRequested",
				level: "warning",
				players: [actor],
				context: { operation: operation.kind, approval: entry.id },
			});
			return { id: entry.id, expires: entry.expires };
		});
	}

	/**
	 * Approves and runs a pending mass operation. The approver needs the operation's capability and must not
	 * be its requester; an approval runs once and only within the window (`ApprovalInvalid` otherwise).
	 */
	ApproveMassOperation(actor: number, id: string): Promise<MassOutcome> {
		return this.run(() => {
			const pending = this.approvals.peek(id);
			if (pending === undefined) {
				throw adminError("ApprovalInvalid", `approval ${describe(id)} is unknown, expired or already used`);
			}
			this.require(actor, pending.capability, undefined, `approve:${pending.operation.kind}`);
			const entry = this.approvals.approve(actor, id);
			this.config.audit?.Log({
				category: "security",
				type: "massOperationApproved",
				level: "warning",
				players: [actor, entry.requester],
				context: { operation: entry.operation.kind, approval: entry.id },
			});
			return this.execute(entry);
		});
	}

	// --- internals ---------------------------------------------------------------------------------

	private execute(entry: PendingApproval<MassOperation>): MassOutcome {
		const op = entry.operation;
		const results = new Array<{ player?: number; ok: boolean; error?: string }>();
		const each = (player: number, fn: () => void) => {
			const [ok, err] = pcall(fn);
			results.push({ player, ok, error: ok ? undefined : messageOf(err) });
		};
		if (op.kind === "massRestore") {
			for (const player of op.players) each(player, () => this.restore(player, op.time, {}));
		} else if (op.kind === "wipe") {
			for (const player of op.players) each(player, () => this.erase(player, op.requestId));
		} else {
			const hook = this.hooks.get("migration.run");
			if (hook === undefined) results.push({ ok: false, error: "no module registered migration.run" });
			else {
				const [ok, err] = pcall(() => hook(entry.requester, op.args));
				results.push({ ok, error: ok ? undefined : messageOf(err) });
			}
		}
		return { id: entry.id, kind: op.kind, results };
	}

	private restore(target: number, time: number, options: Pick<RestoreOptions, "dryRun" | "keep">): RestoreResult {
		const backups = this.config.dataService.GetBackupManager();
		if (backups === undefined) throw adminError("NotAvailable", "restores need enableBackups (no BackupManager)");
		const service = this.config.dataService;
		const held = service.GetPlayerData(target) !== undefined;
		if (!held && this.failed(() => service.heldElsewhere(target))) {
			throw adminError(
				"HeldElsewhere",
				`player ${target} is held by another server; restore it there or once it left`,
			);
		}
		return this.failed(() =>
			backups
				.RestorePlayer(target, time, { dryRun: options.dryRun, keep: options.keep, offline: !held })
				.expect(),
		);
	}

	private erase(target: number, requestId: string): { entries: number } {
		const audit = this.needAudit();
		const { entries } = this.failed(() => audit.ErasePlayer(target, requestId).expect());
		for (const eraser of this.erasers) this.failed(() => eraser(target, requestId));
		return { entries };
	}

	/** Runs `fn` with the player held here: as is when held, else loaded, then saved and released. */
	private withSession<R>(target: number, fn: (service: DataService<object>) => R): R {
		const service = this.config.dataService;
		if (service.GetPlayerData(target) !== undefined) return fn(service);
		if (this.failed(() => service.heldElsewhere(target))) {
			throw adminError(
				"HeldElsewhere",
				`player ${target} is held by another server: edit it there, or use GrantPlayer (applied by its server)`,
			);
		}
		this.failed(() => service.LoadPlayerData(target).expect());
		const [ok, result] = pcall(() => fn(service));
		service.ReleasePlayer(target).await();
		if (!ok) throw result;
		return result as R;
	}

	private require(actor: number, capability: Capability, target: number | undefined, action: string): void {
		this.config.access.require(actor, capability, { target, action });
	}

	private needAudit(): AuditLogger {
		if (this.config.audit === undefined)
			throw adminError("NotAvailable", "no AuditLogger was given to the admin API");
		return this.config.audit;
	}

	/** Runs `fn`; an error from below becomes a `Failed` AdminError carrying its message. */
	private failed<R>(fn: () => R): R {
		const [ok, result] = pcall(fn);
		if (ok) return result;
		throw this.typed(result);
	}

	private run<R>(fn: () => R): Promise<R> {
		return new Promise((resolve, reject) => {
			const [ok, result] = pcall(fn);
			if (ok) resolve(result);
			else reject(this.typed(result));
		});
	}

	/** An AdminError for anything thrown below; an untyped error (a bug, not a refusal) is counted. */
	private typed(err: unknown): AdminError {
		if (isAdminError(err)) return err;
		const typedBelow = typeIs(err, "table") && typeIs((err as { kind?: unknown }).kind, "string");
		if (!typedBelow) {
			this.internalErrors += 1;
			warn(`[AdminApi] internal error: ${tostring(err)}`);
		}
		return adminError("Failed", messageOf(err));
	}

	/**
	 * Counters: `internalErrors` counts untyped errors (bugs) caught under an admin call; refusals and typed
	 * failures of the layers below do not count.
	 */
	GetStatistics(): { readonly internalErrors: number } {
		return { internalErrors: this.internalErrors };
	}
}

function messageOf(err: unknown): string {
	if (typeIs(err, "table") && typeIs((err as { message?: unknown }).message, "string")) {
		const e = err as { kind?: unknown; message: string };
		return typeIs(e.kind, "string") ? `${e.kind}: ${e.message}` : e.message;
	}
	return tostring(err);
}

function checkTarget(target: unknown): asserts target is number {
	if (!isUserId(target)) throw adminError("InvalidArgument", `target must be a UserId, got ${describe(target)}`);
}

function checkReason(reason: unknown, name = "reason"): asserts reason is string {
	if (!typeIs(reason, "string") || reason.size() === 0 || reason.size() > MAX_REASON) {
		throw adminError(
			"InvalidArgument",
			`${name} must be a string of 1-${MAX_REASON} characters, got ${describe(reason)}`,
		);
	}
}

function checkPlayers(players: unknown): void {
	if (!typeIs(players, "table"))
		throw adminError("InvalidArgument", `players must be an array, got ${describe(players)}`);
	const list = players as Array<defined>;
	if (list.size() === 0 || list.size() > MAX_MASS_PLAYERS) {
		throw adminError("InvalidArgument", `players must list 1-${MAX_MASS_PLAYERS} UserIds, got ${list.size()}`);
	}
	list.forEach((p, i) => {
		if (!isUserId(p)) throw adminError("InvalidArgument", `players[${i + 1}] must be a UserId, got ${describe(p)}`);
	});
}

/** Checks a mass operation's shape; returns the capability both admins need. */
function checkMassOperation(operation: unknown): Capability {
	if (!typeIs(operation, "table"))
		throw adminError("InvalidArgument", `operation must be a table, got ${describe(operation)}`);
	const op = operation as { kind?: unknown; players?: unknown; time?: unknown; requestId?: unknown };
	if (op.kind === "massRestore") {
		checkPlayers(op.players);
		if (!typeIs(op.time, "number") || op.time !== op.time) {
			throw adminError("InvalidArgument", `operation.time must be a number, got ${describe(op.time)}`);
		}
		return "data.restore";
	} else if (op.kind === "wipe") {
		checkPlayers(op.players);
		checkReason(op.requestId, "operation.requestId");
		return "data.erase";
	} else if (op.kind === "massMigration") {
		return "migrate.run";
	}
	throw adminError(
		"InvalidArgument",
		`operation.kind must be "massRestore", "wipe" or "massMigration", got ${describe(op.kind)}`,
	);
}

export type { AdminError };
