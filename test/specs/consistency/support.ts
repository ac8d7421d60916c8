import type { DataServiceConfig } from "server/services/DataService";
import { ConsistencyRules, equippedOwned, levelCap } from "shared/core/ConsistencyChecker";
import { canonicalJson } from "shared/core/dal/Canonical";
import { serviceServer, ServiceServer } from "../service/support";

/** A game with unique items, an equipped item, a level cap and a login timestamp. */
export const ITEM_SCHEMA = {
	type: "object",
	properties: {
		coins: { type: "integer", minimum: 0 },
		level: { type: "integer", minimum: 1, maximum: 1000 },
		inventory: { type: "object", additionalProperties: { type: "integer", minimum: 0 } },
		items: {
			type: "array",
			items: {
				type: "object",
				properties: { id: { type: "string" }, item: { type: "string" } },
				required: ["id", "item"],
			},
		},
		equipped: { type: "string" },
		lastLogin: { type: "number" },
		earned: { type: "number", minimum: 0 },
	},
	required: ["coins", "level", "inventory", "items", "equipped", "lastLogin", "earned"],
	additionalProperties: false,
} as const;

/** The data of {@link ITEM_SCHEMA}. */
export interface ItemData {
	coins: number;
	level: number;
	inventory: Record<string, number>;
	items: Array<{ id: string; item: string }>;
	equipped: string;
	lastLogin: number;
	earned: number;
}

export const ITEM_TEMPLATE: ItemData = {
	coins: 0,
	level: 1,
	inventory: {},
	items: [],
	equipped: "",
	lastLogin: 0,
	earned: 0,
};

export const CATALOG = ["sword", "shield", "potion"];

/** The item game's rules: its catalog, counted and unique items, a level cap, equipped items owned, time. */
export const ITEM_RULES: ConsistencyRules = {
	catalog: CATALOG,
	countMaps: ["inventory"],
	uniqueItems: [{ path: "items" }],
	rules: [levelCap("level", 100), equippedOwned("equipped", "items")],
	temporal: { timestamps: ["lastLogin"], monotonic: ["earned"] },
};

/** A server whose DataService checks the item game's data (`consistency` merged over the defaults). */
export function itemServer(config: DataServiceConfig = {}): ServiceServer {
	const base: DataServiceConfig = {
		schema: ITEM_SCHEMA,
		template: ITEM_TEMPLATE,
		currencies: ["coins"],
		checkConsistencyOnRead: true,
		enableBackups: true,
		...config,
	};
	return serviceServer({
		...base,
		consistency: {
			...ITEM_RULES,
			...(config.consistency ?? {}),
		},
	});
}

/**
 * Rewrites a released player's stored game data in place (what a stale server's late save does), through
 * the DataStoreService of `from` (default the spec's own). A write sent from a game server must name that
 * server's DataModel: a data store handle belongs to the server whose service made it, and one made by a
 * server that later stopped refuses every request (the 1,000-seed run failed so from its second scenario on).
 */
export function rewriteStored(
	userId: number,
	change: (data: Record<string, unknown>) => void,
	from: DataModel = game,
): void {
	const store = from.GetService("DataStoreService").GetDataStore("PlayerData");
	store.UpdateAsync(`Player_${userId}`, (value: unknown) => {
		const raw = value as { Data: { data: Record<string, unknown> } };
		change(raw.Data.data);
		return $tuple(raw);
	});
}

/** A player saved once holding one sword (unique id `uid`), then released. */
export function seedSword(userId: number, uid: string): void {
	const { service } = itemServer();
	service.LoadPlayerData(userId).expect();
	service.UpdatePlayerData(userId, { items: [{ id: uid, item: "sword" }], equipped: uid } as never).expect();
	service.ReleasePlayer(userId).expect();
	task.wait(10);
}

/** Canonical JSON of the newest backup of a player (what a restore would put back), and its kind. */
export function newestBackup(service: ServiceServer["service"], userId: number): { json: string; kind: string } {
	const restored = service
		.GetBackupManager()!
		.RestorePlayer(userId, os.time() + 10, { dryRun: true })
		.expect();
	return { json: canonicalJson(restored.data), kind: restored.backup.kind };
}
