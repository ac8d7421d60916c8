/**
 * A server running a DataService (with an AuditLogger in its pipeline), an AccessControl and an AdminApi,
 * all built from that server's module copies, for the admin specs.
 */
import type { DataService, DataServiceConfig } from "server/services/DataService";
import { DEFAULT_SCHEMA } from "server/services/data/DataServiceConfig";
import type { AdminApi, AdminApiConfig } from "server/services/admin/AdminApi";
import type { AccessControl, AccessControlConfig } from "server/services/admin/AccessControl";
import type { AuditLogger } from "shared/core/AuditLogger";
import { resetCloud } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../harness/World";
import type { GameData } from "../service/support";
import { requireModule } from "../service/requireModule";

/** The default schema plus an `email` marked sensitive. */
export const PII_SCHEMA = {
	...DEFAULT_SCHEMA,
	properties: { ...DEFAULT_SCHEMA.properties, email: { type: "string", sensitive: true } },
	required: [...DEFAULT_SCHEMA.required, "email"],
} as const;

/** One admin-enabled server. */
export interface AdminWorld {
	readonly server: ServerHandle;
	readonly service: DataService<GameData>;
	readonly audit: AuditLogger;
	readonly access: AccessControl;
	readonly admin: AdminApi;
	/** Runs `fn` inside the server (threads it starts belong to it). */
	readonly call: <R>(fn: () => R) => R;
}

const created = new Array<ServerHandle>();

/** A fresh cloud, no faults, no servers. */
export function freshAdminWorld(): void {
	stopAdminServers();
	configureFaults({});
	resetCloud();
}

/** Counts `server` among those {@link stopAdminServers} crashes (a spec's own servers). */
export function trackAdminServer(server: ServerHandle): void {
	created.push(server);
}

/** Crashes the servers these specs made (a stopped server's ProfileService would keep retrying). */
export function stopAdminServers(): void {
	for (const server of created) if (server.state() === "running" || server.state() === "closing") server.crash();
	created.clear();
	stopOtherServers();
}

/** Builds the world: the data service config, the roles, and extra admin config. */
export function adminWorld(
	config: DataServiceConfig = {},
	access: Partial<AccessControlConfig> = {},
	adminConfig: Partial<AdminApiConfig> = {},
): AdminWorld {
	const server = newServer({ runScripts: false, faultImmune: true });
	created.push(server);
	const services = requireModule(server, "DataService");
	const adminModule = requireModule(server, "AdminApi");
	const accessModule = requireModule(server, "AccessControl");
	const auditModule = requireModule(server, "AuditLogger");
	const built = server.run(() => {
		const audit = new auditModule.AuditLogger({ warnings: false, flushInterval: 5, bindToClose: false });
		const service = new services.DataService<GameData>(
			{ warnings: false, enableAuditing: true, ...config } as DataServiceConfig<GameData>,
			{ auditLogger: audit },
		);
		const control = new accessModule.AccessControl({ roles: {}, audit, ...access });
		const admin = new adminModule.AdminApi({
			dataService: service as unknown as DataService<object>,
			access: control,
			audit,
			...adminConfig,
		});
		return { audit, service, access: control, admin };
	});
	task.wait(0.5);
	return { server, ...built, call: (fn) => server.run(fn) };
}

/** The admin error a rejected promise carries (run inside the world's server); errors when it resolves. */
export function adminRejection(world: AdminWorld, fn: () => Promise<unknown>): { kind: string; message: string } {
	const outcome = world.call(() => {
		const [ok, err] = fn().await();
		return { ok, err };
	});
	if (outcome.ok) error("expected the promise to reject", 2);
	return outcome.err as { kind: string; message: string };
}
