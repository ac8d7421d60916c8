/**
 * What an admin may do. Capabilities exist only on the server: a client never holds one, and a payload that
 * names one proves nothing. Every capability is denied until a role the game configured grants it.
 *
 * | capability | allows |
 * |---|---|
 * | `data.read` | view a player's data (sensitive fields redacted without `pii.read`) |
 * | `data.edit` | edit a player's data, or grant amounts to a player anywhere |
 * | `data.restore` | restore a player from a backup |
 * | `data.erase` | erase a player (audit entries, encryption key) |
 * | `audit.read` | query and export the audit trail |
 * | `migrate.run` | run or roll back a migration (through the hooks the migration module registers) |
 * | `quarantine.release` | release a quarantined player (through the hook the quarantine module registers) |
 * | `pii.read` | see sensitive (schema-marked) fields in clear |
 */
export type Capability =
	| "data.read"
	| "data.edit"
	| "data.restore"
	| "data.erase"
	| "audit.read"
	| "migrate.run"
	| "quarantine.release"
	| "pii.read";

/** Every capability, in the order of the table above. */
export const CAPABILITIES: ReadonlyArray<Capability> = [
	"data.read",
	"data.edit",
	"data.restore",
	"data.erase",
	"audit.read",
	"migrate.run",
	"quarantine.release",
	"pii.read",
];

/**
 * True when `value` names a capability (a string from a config or a payload is checked before use).
 * @example
 * ```ts
 * isCapability("data.read"); // true
 * isCapability("data.*"); // false: there are no wildcards
 * ```
 */
export function isCapability(value: unknown): value is Capability {
	return typeIs(value, "string") && CAPABILITIES.includes(value as Capability);
}
