import { MarketplaceService } from "@rbxts/services";
import { bindRemotes, payIncome, processReceipt } from "./Economy";
import { TICK_SECONDS } from "shared/CoinData";

// Requiring Economy creates the DataService (it loads players as they join) before anything else: it
// binds its BindToClose before ProfileService is loaded, so shutdown saves the most valuable first.
bindRemotes();
MarketplaceService.ProcessReceipt = processReceipt;
task.spawn(() => {
	for (;;) {
		task.wait(TICK_SECONDS);
		payIncome();
	}
});
