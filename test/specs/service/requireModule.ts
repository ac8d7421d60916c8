import type { ServerHandle } from "../harness/World";

/** The library's modules a spec builds on an emulated server of its own, by name. */
interface Modules {
	DataService: typeof import("server/services/DataService");
	AdminApi: typeof import("server/services/admin/AdminApi");
	AccessControl: typeof import("server/services/admin/AccessControl");
	AdminRemote: typeof import("server/services/admin/AdminRemote");
	AuditLogger: typeof import("shared/core/AuditLogger");
	FieldEncryption: typeof import("shared/core/security/FieldEncryption");
	KeyRing: typeof import("shared/core/security/KeyRing");
}

/** Where each module sits in the DataModel. */
const PATHS: { readonly [K in keyof Modules]: string } = {
	DataService: "ServerScriptService/TS/services/DataService",
	AdminApi: "ServerScriptService/TS/services/admin/AdminApi",
	AccessControl: "ServerScriptService/TS/services/admin/AccessControl",
	AdminRemote: "ServerScriptService/TS/services/admin/AdminRemote",
	AuditLogger: "ReplicatedStorage/TS/core/AuditLogger",
	FieldEncryption: "ReplicatedStorage/TS/core/security/FieldEncryption",
	KeyRing: "ReplicatedStorage/TS/core/security/KeyRing",
};

/**
 * Requires module `name` on `server`: each emulated server runs its own copy of the library, so a value
 * built for one server comes from that server's modules.
 *
 * @example
 * ```ts
 * const { DataService } = requireModule(server, "DataService");
 * ```
 */
export function requireModule<K extends keyof Modules>(server: ServerHandle, name: K): Modules[K] {
	return server.require<Modules[K]>(PATHS[name]);
}
