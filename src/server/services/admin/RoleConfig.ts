import { isUserId } from "./isUserId";
import { Capability, isCapability } from "./Capability";
import { adminError } from "./AdminError";
import { describe } from "shared/core/validator/nodes";

/** Members of a group at or above a rank (and at or below `maxRank`, default 255) hold the role. */
export interface GroupRankSource {
	readonly groupId: number;
	readonly minRank: number;
	readonly maxRank?: number;
}

/**
 * One role: the capabilities it grants and who holds it. A user holds the role when listed in `users`, when
 * ranked within one of `groups`, or when the game's `resolveRoles` callback names it. Nobody else: there is
 * no built-in grant (not to the place owner, not to the library's authors).
 */
export interface RoleDefinition {
	readonly capabilities: ReadonlyArray<Capability>;
	readonly users?: ReadonlyArray<number>;
	readonly groups?: ReadonlyArray<GroupRankSource>;
}

/** The roles a game defines, by name. */
export type RoleTable = { readonly [name: string]: RoleDefinition };

/** The parsed form of a {@link RoleTable}: every field checked. */
export interface ParsedRole {
	readonly name: string;
	readonly capabilities: ReadonlySet<Capability>;
	readonly users: ReadonlySet<number>;
	readonly groups: ReadonlyArray<GroupRankSource>;
}

function isRank(value: unknown): value is number {
	return typeIs(value, "number") && value % 1 === 0 && value >= 0 && value <= 255;
}

/**
 * Checks a role table once, at construction: every misspelt capability, malformed user id or group rank
 * throws an `InvalidArgument` {@link AdminError} naming the field (`roles.moderator.capabilities[2]`).
 * @example
 * ```ts
 * parseRoles({ moderator: { capabilities: ["data.read"], groups: [{ groupId: 7, minRank: 200 }] } });
 * ```
 */
export function parseRoles(roles: unknown): ReadonlyArray<ParsedRole> {
	if (!typeIs(roles, "table")) throw adminError("InvalidArgument", `roles must be a table, got ${describe(roles)}`);
	const parsed = new Array<ParsedRole>();
	for (const [name, raw] of pairs(roles as object)) {
		const where = `roles.${tostring(name)}`;
		if (!typeIs(name, "string")) throw adminError("InvalidArgument", `${where}: a role name must be a string`);
		if (!typeIs(raw, "table"))
			throw adminError("InvalidArgument", `${where} must be a table, got ${describe(raw)}`);
		const role = raw as Partial<Record<keyof RoleDefinition, unknown>>;
		if (!typeIs(role.capabilities, "table")) {
			throw adminError(
				"InvalidArgument",
				`${where}.capabilities must be an array, got ${describe(role.capabilities)}`,
			);
		}
		const capabilities = new Set<Capability>();
		(role.capabilities as Array<defined>).forEach((c, i) => {
			if (!isCapability(c)) {
				throw adminError(
					"InvalidArgument",
					`${where}.capabilities[${i + 1}] is not a capability: ${describe(c)}`,
				);
			}
			capabilities.add(c);
		});
		const users = new Set<number>();
		if (role.users !== undefined) {
			if (!typeIs(role.users, "table")) {
				throw adminError("InvalidArgument", `${where}.users must be an array, got ${describe(role.users)}`);
			}
			(role.users as Array<defined>).forEach((u, i) => {
				if (!isUserId(u)) {
					throw adminError(
						"InvalidArgument",
						`${where}.users[${i + 1}] must be a UserId, got ${describe(u)}`,
					);
				}
				users.add(u);
			});
		}
		const groups = new Array<GroupRankSource>();
		if (role.groups !== undefined) {
			if (!typeIs(role.groups, "table")) {
				throw adminError("InvalidArgument", `${where}.groups must be an array, got ${describe(role.groups)}`);
			}
			(role.groups as Array<defined>).forEach((g, i) => {
				const at = `${where}.groups[${i + 1}]`;
				const source = g as Partial<Record<keyof GroupRankSource, unknown>>;
				if (!typeIs(g, "table"))
					throw adminError("InvalidArgument", `${at} must be a table, got ${describe(g)}`);
				if (!isUserId(source.groupId)) {
					throw adminError(
						"InvalidArgument",
						`${at}.groupId must be a group id, got ${describe(source.groupId)}`,
					);
				}
				// Rank 0 is every non-member ("Guest"): a role from minRank 0 would grant everyone.
				if (!isRank(source.minRank) || source.minRank < 1) {
					throw adminError(
						"InvalidArgument",
						`${at}.minRank must be a rank 1-255, got ${describe(source.minRank)}`,
					);
				}
				if (source.maxRank !== undefined && (!isRank(source.maxRank) || source.maxRank < source.minRank)) {
					throw adminError(
						"InvalidArgument",
						`${at}.maxRank must be a rank from minRank to 255, got ${describe(source.maxRank)}`,
					);
				}
				groups.push({ groupId: source.groupId, minRank: source.minRank, maxRank: source.maxRank as number });
			});
		}
		parsed.push({ name, capabilities, users, groups });
	}
	return parsed;
}
