import type * as StateManagerModule from "client/managers/StateManager";
import type * as StateSyncClientModule from "client/managers/startStateSync";
import type * as DataServiceModule from "server/services/DataService";
import type * as SyncModule from "server";
import type * as KeyRegistryModule from "shared/protocol/KeyRegistry";
import { ClientHandle, newServer, ServerHandle } from "../harness/World";

/** The default game data. */
export type GameData = { coins: number; gems: number; level: number; inventory: Record<string, number> };

/** A game server whose DataService is the authority of the state sync on a RemoteEvent named StateSync. */
export interface DataServiceSyncServer {
	readonly server: ServerHandle;
	readonly service: DataServiceModule.DataService<GameData>;
	readonly authority: SyncModule.DataServiceAuthority<GameData>;
	readonly sync: SyncModule.ServerStateSync;
}

/**
 * A new server running DataService behind the state sync, from the server's own module copies. `level` is
 * client-writable with a loose check on purpose (the game's schema, level 1..1000, is the last word);
 * `coins` is server-only. With `loadOnJoin`, each joining player's data is loaded, as a game script does.
 */
export function dataServiceSyncServer(
	options: { faultImmune?: boolean; loadOnJoin?: boolean } = {},
): DataServiceSyncServer {
	const server = newServer({ runScripts: false, faultImmune: options.faultImmune });
	const remote = new Instance("RemoteEvent");
	remote.Name = "StateSync";
	remote.Parent = server.game.GetService("ReplicatedStorage");
	const { DataService } = server.require<typeof DataServiceModule>("ServerScriptService/TS/services/DataService");
	const { DataServiceAuthority, bindStateSync } = server.require<typeof SyncModule>("ServerScriptService/TS");
	const { KeyRegistry } = server.require<typeof KeyRegistryModule>("ReplicatedStorage/TS/protocol/KeyRegistry");
	const service = server.run(() => new DataService<GameData>({ warnings: false }));
	const authority = new DataServiceAuthority<GameData>(service);
	const { sync } = server.run(() =>
		bindStateSync({
			authority,
			remote,
			keys: new KeyRegistry({
				level: { clientWritable: true, validate: (v: unknown) => typeIs(v, "number") && v % 1 === 0 },
				coins: {},
			}),
		}),
	);
	if (options.loadOnJoin === true) {
		// On a teleport, the load waits for the old server to release the profile.
		server.run(() =>
			server.game.GetService("Players").PlayerAdded.Connect((player) => {
				service.LoadPlayerData(player.UserId).catch(() => undefined);
			}),
		);
	}
	return { server, service, authority, sync };
}

/** Starts StateManager on a client, as the game's LocalScript does as soon as the client joins. */
export function startClient(client: ClientHandle): StateManagerModule.StateManager {
	const { startStateSync } = client.require<typeof StateSyncClientModule>(
		"StarterPlayer/StarterPlayerScripts/TS/managers/startStateSync",
	);
	return client.run(() => startStateSync().manager);
}
