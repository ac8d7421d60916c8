import type { Infer } from "@rbxts/roblox-data-service";

/** The game's player data. `as const` keeps the literals, so `Infer` gives the data's type. */
export const COIN_SCHEMA = {
	type: "object",
	properties: {
		coins: { type: "integer", minimum: 0 },
		inventory: { type: "object", additionalProperties: { type: "integer", minimum: 0 } },
		settings: {
			type: "object",
			properties: { music: { type: "boolean" } },
			required: ["music"],
		},
	},
	required: ["coins", "inventory", "settings"],
} as const;

/** What a profile holds: `{ coins: number; inventory: { [item: string]: number }; settings: { music: boolean } }`. */
export type CoinData = Infer<typeof COIN_SCHEMA>;

/** A new player's data. */
export const COIN_TEMPLATE: CoinData = { coins: 0, inventory: {}, settings: { music: true } };

/** What a client may change itself (checked again by the server's schema). */
export const SETTINGS_SCHEMA = COIN_SCHEMA.properties.settings;

/** Coins every loaded player earns per tick, and seconds between ticks. */
export const COINS_PER_TICK = 1;
export const TICK_SECONDS = 10;

/** The developer product "100 coins". */
export const COIN_PACK = { productId: 1001, coins: 100 };

/** The shop's one item. */
export const SWORD_PRICE = 25;
