import type { ServerHandle } from "../../../test/specs/harness/World";

type ServiceModule = typeof import("server/services/DataService");
type DataServiceConfig = import("server/services/data/DataServiceConfig").DataServiceConfig<BenchData>;

/** The bench's player data, the same for every library. */
export type BenchData = { coins: number; gems: number; level: number; inventory: Record<string, number> };

/** The data every library starts a new player with. */
export const TEMPLATE: BenchData = { coins: 0, gems: 0, level: 1, inventory: {} };

const RS_MODULES = "ReplicatedStorage/rbxts_include/node_modules/@rbxts";

/**
 * One player-data library on one server, driven the same way whatever the library: what a game does with it.
 * `load` yields until the profile is held here (false when the library gave up); `buy` is a purchase, saved
 * before it returns where the library can say so.
 */
export interface Library {
	readonly load: (id: number) => boolean;
	readonly earn: (id: number, coins: number) => void;
	readonly buy: (id: number, gems: number) => void;
	readonly leave: (id: number) => void;
	/** The coins of a player held here (the data as loaded, plus this server's changes). */
	readonly coins: (id: number) => number;
}

type PsProfile = { Data: BenchData; Release(): void; Save(): void };
type PsModule = {
	GetProfileStore: (
		this: void,
		name: string,
		template: object,
	) => { LoadProfileAsync(key: string, handler: string): PsProfile | undefined };
};
type StProfile = { Data: BenchData; EndSession(): void; Save(): void };
type StModule = {
	New: (this: void, name: string, template: object) => { StartSessionAsync(key: string): StProfile | undefined };
	SetConstant: (this: void, name: string, value: number) => void;
};

/**
 * A library whose profiles a game edits in place: `Data` changed directly, `Save()` after a purchase, `close`
 * on leave. `open` starts the session (yields; undefined when the library gave up).
 */
function inPlace<P extends { Data: BenchData; Save(): void }>(
	server: ServerHandle,
	open: (key: string) => P | undefined,
	close: (profile: P) => void,
): Library {
	const held = new Map<number, P>();
	return {
		load: (id) => {
			const profile = server.run(() => open(`Player_${id}`));
			if (profile !== undefined) held.set(id, profile);
			return profile !== undefined;
		},
		earn: (id, coins) => (held.get(id)!.Data.coins = coins),
		buy: (id, gems) => {
			held.get(id)!.Data.gems = gems;
			server.run(() => held.get(id)!.Save());
		},
		leave: (id) => {
			const profile = held.get(id);
			held.delete(id);
			if (profile !== undefined) server.run(() => close(profile));
		},
		coins: (id) => held.get(id)!.Data.coins,
	};
}

/**
 * ProfileService 1.4.2 used alone, unmodified: Data edited in place, `Save()` after a purchase, `Release()`
 * on leave, `ForceLoad` when another server holds the profile (its documented default).
 */
export function profileServiceOn(server: ServerHandle): Library {
	const module = server.require<PsModule>(`${RS_MODULES}/profileservice/src`);
	const store = server.run(() => module.GetProfileStore("PlayerData", TEMPLATE));
	return inPlace<PsProfile>(
		server,
		(key) => store.LoadProfileAsync(key, "ForceLoad"),
		(profile) => profile.Release(),
	);
}

/**
 * ProfileStore 1.0.3 used alone, unmodified: `StartSessionAsync` (it messages the holder to end its session),
 * `Save()` after a purchase, `EndSession()` on leave. `autoSave` sets its AUTO_SAVE_PERIOD (default 300 s).
 */
export function profileStoreOn(server: ServerHandle, autoSave?: number): Library {
	const module = server.require<StModule>(`${RS_MODULES}/profile-store/src`);
	if (autoSave !== undefined) server.run(() => module.SetConstant("AUTO_SAVE_PERIOD", autoSave));
	const store = server.run(() => module.New("PlayerData", TEMPLATE));
	return inPlace<StProfile>(
		server,
		(key) => store.StartSessionAsync(key),
		(profile) => profile.EndSession(),
	);
}

/**
 * DataService: validated updates, purchases as durable updates (resolved once saved), `ReleasePlayer` (not awaited) on
 * leave. `config` is added to `{ warnings: false, bindPlayers: false }`.
 */
export function dataServiceOn(server: ServerHandle, config: DataServiceConfig = {}): Library {
	const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const merged = { warnings: false, bindPlayers: false } as Record<string, unknown>;
	for (const [k, v] of pairs(config as Record<string, unknown>)) merged[k] = v;
	const service = server.run(() => new module.DataService<BenchData>(merged as DataServiceConfig));
	return {
		load: (id) => service.LoadPlayerData(id).await()[0],
		earn: (id, coins) => {
			service.UpdatePlayerData(id, { coins }).await();
		},
		buy: (id, gems) => {
			service.UpdatePlayerData(id, { gems }, { durable: true }).await();
		},
		leave: (id) => {
			// As PlayerRemoving does (and the peers' close): the release save starts; nobody waits for it.
			service.ReleasePlayer(id);
		},
		coins: (id) => service.GetPlayerData(id)?.coins ?? -1,
	};
}
