import { HttpService } from "@rbxts/services";

/**
 * A new unique item id, for an item a purchase, a trade or a drop creates: a GUID without braces (36
 * characters), unique across servers, so the same id held twice can only be a duplicate.
 *
 * @example
 * ```ts
 * dataService.UpdatePlayerData(id, (d) => ({ items: [...d.items, { id: mintItemId(), item: "sword" }] }));
 * ```
 */
export function mintItemId(): string {
	return HttpService.GenerateGUID(false);
}
