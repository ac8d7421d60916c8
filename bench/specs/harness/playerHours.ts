import { countRequests } from "./countRequests";

/** How the player-hour scenario acts on one player. */
export interface PlayerActions {
	readonly load: (id: number) => void;
	readonly earn: (id: number, coins: number) => void;
	readonly buy: (id: number, gems: number) => void;
	readonly leave: (id: number) => void;
}

/**
 * The player-hour scenario: `players` players (ids base+1..) load, earn every 30 s, buy every 5 min for
 * `minutes`, then leave.
 * @returns DataStore requests of every server per player-hour.
 */
export function playerHours(players: number, minutes: number, actions: PlayerActions, base: number): number {
	const counter = countRequests();
	for (let p = 1; p <= players; p++) actions.load(base + p);
	// On a fixed schedule: waiting 30 s after each round would stretch the session by every durable save's
	// wait (differently in each variant) while the player-hours below stay nominal.
	const started = os.clock();
	for (let second = 30; second <= minutes * 60; second += 30) {
		task.wait(math.max(0, started + second - os.clock()));
		for (let p = 1; p <= players; p++) {
			actions.earn(base + p, second);
			if (second % 300 === 0) actions.buy(base + p, second / 300);
		}
	}
	for (let p = 1; p <= players; p++) actions.leave(base + p);
	task.wait(30);
	const requests = counter.count();
	counter.stop();
	return requests / ((players * minutes) / 60);
}
