import { isUserId } from "./isUserId";
import type { AuditEvent } from "shared/core/AuditLogger";
import { describe } from "shared/core/validator/nodes";
import { adminError } from "./AdminError";
import { Capability, isCapability } from "./Capability";
import { parseRoles, ParsedRole, RoleTable } from "./RoleConfig";

/** The GroupService function roles read (injectable for specs). */
export interface GroupServiceLike {
	GetGroupsAsync(
		this: GroupServiceLike,
		userId: number,
	): ReadonlyArray<{ readonly Id: number; readonly Rank: number }>;
}

/** Where audited checks go: an AuditLogger, or anything with its `Log`. */
export interface AuditSink {
	Log(this: AuditSink, event: AuditEvent): void;
}

/** Configuration of an {@link AccessControl}. */
export interface AccessControlConfig {
	/** The roles, by name: capabilities and who holds them (user ids, group ranks). */
	readonly roles: RoleTable;
	/**
	 * The game's own source of roles: the names of the roles `userId` holds (may yield; an error or a
	 * malformed answer grants nothing and is audited).
	 */
	readonly resolveRoles?: (userId: number) => ReadonlyArray<string> | undefined;
	/** Every check, granted or denied, is logged here as a `security` event (off when absent). */
	readonly audit?: AuditSink;
	/** Default: game's GroupService. */
	readonly groupService?: GroupServiceLike;
	/** Seconds a user's group ranks are reused (default 60): a demotion takes effect within this. */
	readonly groupCacheSeconds?: number;
	/** Seconds, for the group cache (default os.clock). */
	readonly clock?: () => number;
}

/** What a check is about, for the audit entry. */
export interface CheckDetail {
	/** The player the action targets. */
	readonly target?: number;
	/** The admin action ("viewPlayer", "remote:editPlayer", ...). */
	readonly action?: string;
}

/**
 * Server-side capability checks: roles map to capabilities, a user holds a role through an explicit user id,
 * a group rank (GroupService) or the game's callback, and everything is denied by default. There is no
 * built-in grant: the place owner, group owners and this library's authors hold nothing until the game's
 * config says so (Cmdr likewise denies every command in live games until a hook allows it).
 *
 * @example
 * ```ts
 * const access = new AccessControl({
 * 	roles: { support: { capabilities: ["data.read"], groups: [{ groupId: 4242, minRank: 100 }] } },
 * 	audit: auditLogger,
 * });
 * if (access.check(player.UserId, "data.read", { target: 123 })) ...
 * ```
 */
export class AccessControl {
	private readonly roles: ReadonlyArray<ParsedRole>;
	private readonly groups: GroupServiceLike | undefined;
	private readonly cache = new Map<number, { at: number; ranks: Map<number, number> }>();
	private readonly cacheSeconds: number;
	private readonly clock: () => number;

	/** @throws an `InvalidArgument` AdminError naming the malformed field. */
	constructor(private readonly config: AccessControlConfig) {
		if (!typeIs(config, "table"))
			throw adminError("InvalidArgument", `config must be a table, got ${describe(config)}`);
		this.roles = parseRoles(config.roles);
		if (config.resolveRoles !== undefined && !typeIs(config.resolveRoles, "function")) {
			throw adminError(
				"InvalidArgument",
				`resolveRoles must be a function, got ${describe(config.resolveRoles)}`,
			);
		}
		const seconds = config.groupCacheSeconds ?? 60;
		if (!typeIs(seconds, "number") || seconds < 0 || seconds !== seconds) {
			throw adminError("InvalidArgument", `groupCacheSeconds must be a number >= 0, got ${describe(seconds)}`);
		}
		this.cacheSeconds = seconds;
		this.clock = config.clock ?? os.clock;
		const needsGroups = this.roles.some((r) => r.groups.size() > 0);
		this.groups = needsGroups
			? (config.groupService ?? (game.GetService("GroupService") as unknown as GroupServiceLike))
			: undefined;
	}

	/**
	 * The names of the roles `userId` holds now. Yields when group ranks or the game's callback must be asked.
	 * @example
	 * ```ts
	 * access.rolesOf(123); // ["support"]
	 * ```
	 */
	rolesOf(userId: number): Array<string> {
		return this.resolve(userId).roles;
	}

	/**
	 * Whether `actor` holds `capability`; audited either way (`capabilityGranted` / `capabilityDenied`).
	 * A malformed actor or capability is denied, never thrown. Yields like {@link rolesOf}.
	 */
	check(actor: unknown, capability: unknown, detail: CheckDetail = {}): boolean {
		let granted = false;
		let roles = new Array<string>();
		let problem: string | undefined;
		if (!isUserId(actor)) problem = `actor is not a UserId: ${describe(actor)}`;
		else if (!isCapability(capability)) problem = `not a capability: ${describe(capability)}`;
		else {
			const resolved = this.resolve(actor);
			roles = resolved.roles;
			problem = resolved.problem;
			for (const role of this.roles) {
				if (roles.includes(role.name) && role.capabilities.has(capability)) granted = true;
			}
		}
		this.config.audit?.Log({
			category: "security",
			type: granted ? "capabilityGranted" : "capabilityDenied",
			level: granted ? "info" : "warning",
			players: isUserId(actor)
				? detail.target !== undefined && detail.target !== actor
					? [actor, detail.target]
					: [actor]
				: [],
			context: {
				capability: tostring(capability).sub(1, 40),
				action: detail.action,
				target: detail.target,
				roles: roles.join(","),
				problem,
			},
		});
		return granted;
	}

	/**
	 * Like {@link check}, but throws a `Forbidden` AdminError naming the capability when it is denied.
	 * @example
	 * ```ts
	 * access.require(actor, "data.erase", { target, action: "erasePlayer" });
	 * ```
	 */
	require(actor: unknown, capability: Capability, detail: CheckDetail = {}): void {
		if (!this.check(actor, capability, detail)) {
			throw adminError(
				"Forbidden",
				`${describe(actor)} lacks ${capability}${detail.action !== undefined ? ` (for ${detail.action})` : ""}`,
			);
		}
	}

	private resolve(userId: number): { roles: Array<string>; problem?: string } {
		const roles = new Array<string>();
		let problem: string | undefined;
		let ranks: Map<number, number> | undefined;
		for (const role of this.roles) {
			let holds = role.users.has(userId);
			if (!holds && role.groups.size() > 0) {
				if (ranks === undefined) {
					const [ok, result] = pcall(() => this.ranksOf(userId));
					if (ok) ranks = result;
					else {
						// Fail closed: a GroupService outage grants no group role.
						ranks = new Map();
						problem = `group ranks unavailable: ${tostring(result)}`;
					}
				}
				const held = ranks;
				holds = role.groups.some((g) => {
					const rank = held.get(g.groupId) ?? 0;
					return rank >= g.minRank && rank <= (g.maxRank ?? 255);
				});
			}
			if (holds) roles.push(role.name);
		}
		const callback = this.config.resolveRoles;
		if (callback !== undefined) {
			const [ok, named] = pcall(callback, userId);
			if (!ok) problem = `resolveRoles failed: ${tostring(named)}`;
			else if (named !== undefined && !typeIs(named, "table")) {
				problem = `resolveRoles returned ${describe(named)}, not an array of role names`;
			} else if (named !== undefined) {
				for (const name of named as Array<unknown>) {
					if (!typeIs(name, "string")) {
						problem = `resolveRoles named ${describe(name)}, not a role name`;
						continue;
					}
					if (!roles.includes(name) && this.roles.some((r) => r.name === name)) roles.push(name);
				}
			}
		}
		return { roles, problem };
	}

	private ranksOf(userId: number): Map<number, number> {
		const cached = this.cache.get(userId);
		const now = this.clock();
		if (cached !== undefined && now - cached.at <= this.cacheSeconds) return cached.ranks;
		const ranks = new Map<number, number>();
		for (const group of this.groups!.GetGroupsAsync(userId)) ranks.set(group.Id, group.Rank);
		this.cache.set(userId, { at: now, ranks });
		return ranks;
	}
}
