import { bindRemotes, payIncome } from "./Economy";
import { TICK_SECONDS } from "shared/CoinData";

// Requiring Economy creates the DataService (it loads players as they join) before anything else: it
// binds its BindToClose before ProfileService is loaded, so shutdown saves the most valuable first.
bindRemotes();
task.spawn(() => {
	for (;;) {
		task.wait(TICK_SECONDS);
		payIncome();
	}
});
