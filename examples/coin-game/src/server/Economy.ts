import {
	bindStateSync,
	createDataService,
	DataServiceAuthority,
	DataValidator,
	KeyRegistry,
} from "@rbxts/roblox-data-service";
import { Players, ReplicatedStorage } from "@rbxts/services";
import { COIN_PACK, COIN_SCHEMA, COIN_TEMPLATE, COINS_PER_TICK, SETTINGS_SCHEMA, SWORD_PRICE } from "shared/CoinData";

/** The server's DataService: loads each player on join, releases on leave and at shutdown. */
export const dataService = createDataService({
	schema: COIN_SCHEMA,
	template: COIN_TEMPLATE,
	currencies: ["coins"],
	loadOnJoin: true,
});

/** Clients see their own data through StateManager; only `settings` may be proposed by a client. */
export const authority = new DataServiceAuthority(dataService);
bindStateSync({
	authority,
	keys: new KeyRegistry({
		coins: {},
		inventory: {},
		settings: { clientWritable: true, validate: new DataValidator().compile(SETTINGS_SCHEMA) },
	}),
});

function playerOf(userId: number): Player | undefined {
	return Players.GetPlayerByUserId(userId);
}

/** Pushes `keys` of `userId` to its client, if it is on this server. */
function pushed(userId: number, ...keys: Array<string>): void {
	const player = playerOf(userId);
	if (player !== undefined) for (const key of keys) authority.changed(player, key);
}

/** One tick of income for every loaded player: the functional update adds to the coins as they are now. */
export function payIncome(): void {
	for (const player of Players.GetPlayers()) {
		if (dataService.GetPlayerData(player.UserId) === undefined) continue;
		dataService
			.UpdatePlayerData(player.UserId, (data) => ({ coins: data.coins + COINS_PER_TICK }), { source: "income" })
			.then(() => pushed(player.UserId, "coins"))
			.catch((err) => warn(`[CoinGame] income for ${player.UserId}: ${tostring(err)}`));
	}
}

/** Buys a sword; rejects (nothing bought) when the coins do not cover it. */
export function buySword(userId: number) {
	return dataService
		.IncrementPlayerData(userId, { coins: -SWORD_PRICE, "inventory.sword": 1 }, { source: "shop" })
		.tap(() => pushed(userId, "coins", "inventory"));
}

/** `seller` gives one sword to `buyer` for `price` coins, both on this server: all or nothing. */
export function tradeSword(seller: number, buyer: number, price: number) {
	return dataService
		.Trade(
			seller,
			buyer,
			(s, b) => {
				if ((s.inventory.sword ?? 0) < 1 || b.coins < price) return undefined; // calls the trade off
				return [
					{ ...s, coins: s.coins + price, inventory: { ...s.inventory, sword: s.inventory.sword - 1 } },
					{
						...b,
						coins: b.coins - price,
						inventory: { ...b.inventory, sword: (b.inventory.sword ?? 0) + 1 },
					},
				];
			},
			{ source: "trade" },
		)
		.tap(() => pushed(seller, "coins", "inventory"))
		.tap(() => pushed(buyer, "coins", "inventory"));
}

/** Gives `amount` coins from a player here to any player, online anywhere or offline: delivered once. */
export function giftCoins(from: number, to: number, amount: number) {
	return dataService.SendGift(from, to, { coins: amount }, { source: "gift" }).tap(() => pushed(from, "coins"));
}

/**
 * MarketplaceService.ProcessReceipt, Roblox's documented pattern through DataService.ProcessReceipt: the
 * coins and the PurchaseId go into the player's profile in one change, and PurchaseGranted comes back only
 * once a save carrying both reached the DataStore. Roblox calls again (next purchase, next join, on whatever
 * server) until it gets PurchaseGranted; a PurchaseId already in the profile is not granted twice.
 */
export function processReceipt(receipt: ReceiptInfo): Enum.ProductPurchaseDecision {
	if (receipt.ProductId !== COIN_PACK.productId) return Enum.ProductPurchaseDecision.NotProcessedYet;
	const decision = dataService.ProcessReceipt(receipt, (data) => ({ coins: data.coins + COIN_PACK.coins }));
	if (decision === Enum.ProductPurchaseDecision.PurchaseGranted) pushed(receipt.PlayerId, "coins");
	return decision;
}

/** The remotes clients use to ask for a purchase, a trade or a gift (the server checks every argument). */
export function bindRemotes(): void {
	const remote = (name: string) => {
		const event = new Instance("RemoteEvent");
		event.Name = name;
		event.Parent = ReplicatedStorage;
		return event;
	};
	remote("BuySword").OnServerEvent.Connect((player) => {
		buySword(player.UserId).catch(() => {});
	});
	remote("GiftCoins").OnServerEvent.Connect((player, to, amount) => {
		if (!typeIs(to, "number") || !typeIs(amount, "number") || amount < 1 || amount % 1 !== 0) return;
		giftCoins(player.UserId, to, amount).catch(() => {});
	});
}
