import type {
	DataService,
	DataServiceConfig,
	DataServiceError,
	DataServiceServices,
} from "server/services/DataService";
import { resetCloud, storedValue } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../harness/World";

type ServiceModule = typeof import("server/services/DataService");

/** The default game data. */
export type GameData = { coins: number; gems: number; level: number; inventory: Record<string, number> };

/** A server of its own (no scripts) and the DataService built from that server's module copy. */
export interface ServiceServer {
	readonly server: ServerHandle;
	readonly service: DataService<GameData>;
}

/** A fresh world: other servers stopped, the cloud empty, no faults. */
export function freshWorld(): void {
	stopServers();
	configureFaults({});
	resetCloud();
}

const created = new Array<ServerHandle>();

/**
 * Crashes every server the specs of this folder created, then stops any other: a stopped server's
 * ProfileService threads would otherwise keep retrying saves (401, shutting down) into later tests.
 */
export function stopServers(): void {
	for (const server of created) if (server.state() === "running" || server.state() === "closing") server.crash();
	created.clear();
	stopOtherServers();
}

/** A new server running a DataService (warnings off) from its own module copy. */
export function serviceServer(config: DataServiceConfig = {}, services: DataServiceServices = {}): ServiceServer {
	const server = newServer({ runScripts: false, faultImmune: true });
	created.push(server);
	const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	// Some specs give a partial template on purpose (switch checks); the service is still typed GameData.
	const typed = { warnings: false, ...config } as DataServiceConfig<GameData>;
	const service = server.run(() => new module.DataService<GameData>(typed, services));
	// Let the subscription to the release topic settle.
	task.wait(0.5);
	return { server, service: insideServer(server, service) };
}

type Method = (this: void, self: unknown, ...args: Array<unknown>) => unknown;
const METHODS = [
	"LoadPlayerData",
	"GetPlayerData",
	"ViewPlayerData",
	"UpdatePlayerData",
	"IncrementPlayerData",
	"Trade",
	"SendGift",
	"OfferTrade",
	"ReleasePlayer",
	"RunConsistencyCheck",
	"GetConsistencyChecker",
	"ReleaseQuarantine",
	"RestoreQuarantined",
	"ScanForDuplicates",
	"GetHealthStatus",
	"GetStatistics",
	"GetMetrics",
	"AddStage",
	"GetBackupManager",
	"ProcessReceipt",
	"BindProductHandlers",
	"RunMigration",
	"RollbackMigration",
	"GetMigrationTool",
	"LogSecurityEvent",
	"GetAuditLogger",
	"ErasePlayer",
	"getSaveMark",
	"onSaved",
	"closeAll",
	"destroy",
];

/**
 * The service with every method called inside `server`: threads it starts (ProfileService's saves) then
 * belong to that server and stop with it, instead of outliving it in the spec runner's context.
 */
function insideServer(server: ServerHandle, service: DataService<GameData>): DataService<GameData> {
	const raw = service as unknown as Record<string, Method>;
	const wrapped: Record<string, Method> = {};
	for (const name of METHODS) {
		wrapped[name] = (_self, ...args) => server.run(() => raw[name](service, ...args));
	}
	return wrapped as unknown as DataService<GameData>;
}

/** The error a rejected promise carries; errors when it resolves. */
export function rejection(promise: Promise<unknown>): DataServiceError {
	const [ok, err] = promise.await();
	if (ok) error("expected the promise to reject", 2);
	return err as DataServiceError;
}

/** The game data ProfileService stored for a player (read without spending budget), or undefined. */
export function savedData(userId: number, store = "PlayerData"): GameData | undefined {
	const raw = storedValue(store, `Player_${userId}`) as { Data?: { data?: GameData } } | undefined;
	return raw?.Data?.data;
}

/** The keys of the entries a player's inbox holds in the store (read without spending budget). */
export function inboxKeys(userId: number): Array<string> {
	const raw = storedValue("DataService.Inbox", tostring(userId)) as { d?: { e?: object } } | undefined;
	const keys = new Array<string>();
	if (raw?.d?.e !== undefined) for (const [key] of pairs(raw.d.e)) keys.push(key as string);
	return keys;
}

/** How many entries a player's inbox holds in the store. */
export function inboxSize(userId: number): number {
	return inboxKeys(userId).size();
}

/** The session lock ProfileService stored for a player: [placeId, jobId] or undefined. */
export function savedSession(userId: number, store = "PlayerData"): [number, string] | undefined {
	const raw = storedValue(store, `Player_${userId}`) as
		| { MetaData?: { ActiveSession?: [number, string] } }
		| undefined;
	return raw?.MetaData?.ActiveSession;
}

/** Yields until `condition` holds or `limit` virtual seconds pass; returns whether it held. */
export function waitUntil(condition: () => boolean, limit: number): boolean {
	const started = os.clock();
	while (!condition()) {
		if (os.clock() - started > limit) return false;
		task.wait(0.25);
	}
	return true;
}

/**
 * Runs one seed of a chaos scenario, then stops every server (also after a failure: the servers' frame
 * connections would outlive the test), and prints the scenario's summary.
 */
export function runScenario<S>(seed: number, scenario: (seed: number) => S, summary: (result: S) => string): void {
	let result!: S;
	try {
		result = scenario(seed);
	} finally {
		stopServers();
	}
	print(`seed ${seed}: ${summary(result)}`);
}
