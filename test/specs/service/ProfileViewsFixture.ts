/**
 * Servers with a ProfileViews each, reading `Player_<id>` of "PlayerData" through their own DataStore, for
 * the ProfileViews specs and the Cache benchmark.
 */
import type { ProfileViewError, ProfileViews, ProfileViewsOptions } from "server/services/data/ProfileViews";
import { newServer, ServerHandle } from "../harness/World";

type ViewsModule = typeof import("server/services/data/ProfileViews");

/** What the specs store per player, in ProfileService's layout (`Data`) around DataService's envelope. */
export type Data = { version: number; coins: number };
export type Stored = { Data: { data: Data } };

/** A server, its ProfileViews (every call made inside that server) and the DataStore reads it made. */
export interface ViewServer {
	readonly server: ServerHandle;
	readonly views: ProfileViews<Data>;
	/** GetAsync calls the reader made: each one a DataStore request. */
	readonly requests: () => number;
}

const noWarnings = () => {};

/** A server with a ProfileViews reading `Player_<id>` of "PlayerData" through that server's DataStore. */
export function viewServer(players = 10, options: Partial<ProfileViewsOptions<Data>> = {}): ViewServer {
	const server = newServer({ runScripts: false, faultImmune: true });
	// Players raise the server's DataStore budget (60 + 10 per player per minute).
	for (let i = 1; i <= players; i++) server.addPlayer({ userId: 900000 + server.index * 1000 + i });
	const module = server.require<ViewsModule>("ServerScriptService/TS/services/data/ProfileViews");
	let requests = 0;
	const views = server.run(() => {
		const store = server.game.GetService("DataStoreService").GetDataStore("PlayerData");
		const noCache = new Instance("DataStoreGetOptions");
		noCache.UseCache = false;
		return new module.ProfileViews<Data>({
			read: (userId) => {
				requests += 1;
				return store.GetAsync(`Player_${userId}`, noCache)[0];
			},
			view: (stored) => (stored as Stored | undefined)?.Data.data,
			warn: noWarnings,
			...options,
		});
	});
	const inside = {
		get: (_: unknown, userId: number) => server.run(() => views.get(userId)),
		invalidate: (_: unknown, userId: number) => server.run(() => views.invalidate(userId)),
		getStats: () => views.getStats(),
		destroy: () => server.run(() => views.destroy()),
	};
	task.wait(0.5); // the subscription settles
	return { server, views: inside as unknown as ProfileViews<Data>, requests: () => requests };
}

/** Saves player `userId`'s data as ProfileService would, from `server`. */
export function save(server: ServerHandle, userId: number, data: Data) {
	server.run(() => {
		const store = server.game.GetService("DataStoreService").GetDataStore("PlayerData");
		const stored: Stored = { Data: { data } };
		store.SetAsync(`Player_${userId}`, stored);
	});
}

/** The value a view resolves with (errors if it rejects). */
export function view(target: ViewServer, userId: number): Data | undefined {
	const [ok, value] = target.views.get(userId).await();
	if (!ok) error(`view of ${userId} rejected: ${(value as ProfileViewError).message}`);
	return value as Data | undefined;
}
