import { startStateSync, STATE_PRIORITIES } from "@rbxts/roblox-data-service";
import type { CoinData } from "shared/CoinData";

/** The client's view of its own data, typed per key: `manager.GetState("coins")` is a number. */
export const { manager } = startStateSync<CoinData>();

manager.AddChangeListener("coins", (coins) => print(`[CoinGame] coins: ${coins}`));
manager.AddChangeListener("settings", (settings, _old, changeType) => {
	if (changeType === "rejected") warn("[CoinGame] the server refused the settings");
	else print(`[CoinGame] music ${settings?.music === true ? "on" : "off"}`);
});

/** The settings menu's toggle: applied at once, then confirmed (or rolled back) by the server. */
export function toggleMusic(): void {
	const music = manager.GetState("settings")?.music ?? true;
	manager.SetState("settings", { music: !music }, STATE_PRIORITIES.HIGH);
}
