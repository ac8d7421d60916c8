import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { percentile, recordGoal } from "./harness/Goals";
import { dataServiceOn, Library, profileServiceOn, profileStoreOn } from "./harness/Libraries";

/** Hops per case; run as LANES players hopping at once, each lane one player after another. */
const HOPS = 200;
const LANES = 10;
/** Players standing in each server, so its DataStore budgets are those of a server with players. */
const BYSTANDERS = 10;
/** Crash trials: rounds of a server crashing with this many players on it. */
const CRASH_ROUNDS = 3;
const CRASH_PLAYERS = 20;

type Maker = (server: ServerHandle) => Library;

let nextBystander = 800000;
function freshServer(): ServerHandle {
	const server = newServer({ runScripts: false, faultImmune: true });
	for (let i = 0; i < BYSTANDERS; i++) server.addPlayer({ userId: nextBystander++ });
	return server;
}

/** Waits until `count()` reaches 0, checking every second. */
function join(count: () => number): void {
	while (count() > 0) task.wait(1);
}

/**
 * Teleport hops from server A to server B: a player is held on A for 5-65 s (so some hops fall right after
 * an auto-save), changes something, leaves A (when `releases`; otherwise A still holds the profile when the
 * player arrives) and arrives on B 1 s later. Returns, per hop, the virtual seconds from arriving on B to
 * holding the profile there, and how many hops B gave up on.
 */
function handoffs(make: Maker, base: number, releases: boolean, seed: number): [Array<number>, number] {
	const a = freshServer();
	const b = freshServer();
	const from = make(a);
	const to = make(b);
	task.wait(1);
	const rng = new Random(seed);
	const times = new Array<number>();
	let failures = 0;
	let running = LANES;
	for (let lane = 0; lane < LANES; lane++) {
		const holds = new Array<number>();
		for (let k = 0; k < HOPS / LANES; k++) holds.push(rng.NextNumber(5, 65));
		task.spawn(() => {
			task.wait(lane * 0.7);
			for (let k = 0; k < holds.size(); k++) {
				const id = base + lane * 1000 + k;
				if (!from.load(id)) {
					failures += 1;
					continue;
				}
				task.wait(holds[k]);
				from.earn(id, k + 1);
				if (releases) from.leave(id);
				task.wait(1);
				const arrived = os.clock();
				if (to.load(id)) times.push(os.clock() - arrived);
				else failures += 1;
				to.leave(id);
			}
			running -= 1;
		});
	}
	join(() => running);
	// The last releases finish their saves before the servers go.
	task.wait(10);
	a.crash();
	b.crash();
	return [times, failures];
}

/**
 * Crash trials: CRASH_PLAYERS players join server A at staggered times and earn one coin a second; A crashes
 * 60-120 s in; at once every player loads on server B. Returns per player the seconds from the crash until B
 * holds the profile, and the seconds of progress lost (coins earned on A minus coins B loaded).
 */
function crashes(make: Maker, base: number, seed: number): [Array<number>, Array<number>] {
	const rng = new Random(seed);
	const takeover = new Array<number>();
	const lost = new Array<number>();
	for (let round = 0; round < CRASH_ROUNDS; round++) {
		const a = freshServer();
		const b = freshServer();
		const from = make(a);
		const to = make(b);
		task.wait(1);
		const crashAt = os.clock() + rng.NextNumber(60, 120);
		const earned = new Map<number, number>();
		let crashed = false;
		let running = CRASH_PLAYERS;
		for (let p = 0; p < CRASH_PLAYERS; p++) {
			const id = base + round * 1000 + p;
			const offset = rng.NextNumber(0, 30);
			task.spawn(() => {
				task.wait(offset);
				if (from.load(id)) {
					earned.set(id, 0);
					let coins = 0;
					while (!crashed) {
						task.wait(1);
						if (crashed) break;
						coins += 1;
						from.earn(id, coins);
						if (!crashed) earned.set(id, coins);
					}
				}
				running -= 1;
			});
		}
		task.wait(crashAt - os.clock());
		crashed = true;
		a.crash();
		const crashTime = os.clock();
		let loading = 0;
		for (const [id, coins] of earned) {
			loading += 1;
			task.spawn(() => {
				if (to.load(id)) {
					takeover.push(os.clock() - crashTime);
					lost.push(coins - to.coins(id));
				}
				loading -= 1;
			});
		}
		join(() => loading + running);
		task.wait(10);
		b.crash();
	}
	return [takeover, lost];
}

/**
 * Session handoff and crash recovery of DataService beside ProfileService and ProfileStore, both unmodified,
 * in one emulated world at MessagingService's documented delivery time (1-2 s, the runtime's default):
 * handoff p50/p99 when the old server still holds the profile and when it already released it, takeover
 * time after the holder crashed, and the progress a crash loses (measured, not derived from settings).
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();
	const libraries: Array<[string, Maker, number]> = [
		["ProfileService", (s) => profileServiceOn(s), 100000],
		["ProfileStore", (s) => profileStoreOn(s, 30), 200000],
		["DataService", (s) => dataServiceOn(s), 300000],
	];
	for (const [scenario, releases, goal] of [
		["old server still holding", false, 2],
		["old server already released", true, 1],
	] as const) {
		for (const [name, make, base] of libraries) {
			const [times, failures] = handoffs(make, base + (releases ? 50000 : 0), releases, base);
			for (const [label, p] of [
				["p50", 0.5],
				["p99", 0.99],
			] as const) {
				const value = percentile(times, p);
				const title = `${name}, ${scenario}: handoff ${label} (${times.size()} hops)`;
				if (name === "DataService" && label === "p99") recordGoal(bench, title, value, "s", goal);
				else bench.record(title, value, "s");
			}
			if (failures > 0) bench.record(`${name}, ${scenario}: hops that failed to load`, failures, "");
			stopOtherServers();
		}
	}
	for (const [name, make, base] of libraries) {
		const [takeover, lost] = crashes(make, base + 80000, base + 1);
		const trials = `${takeover.size()} trials`;
		for (const [label, p] of [
			["p50", 0.5],
			["p99", 0.99],
		] as const) {
			const title = `${name}: crash until another server holds it, ${label} (${trials})`;
			if (name === "DataService") recordGoal(bench, title, percentile(takeover, p), "s", 10);
			else bench.record(title, percentile(takeover, p), "s");
		}
		const worst = percentile(lost, 1);
		const title = `${name}: progress a crash lost, p50 / max (${trials})`;
		bench.record(`${title}: p50`, percentile(lost, 0.5), "s");
		if (name === "DataService") recordGoal(bench, `${title}: max`, worst, "s", 31);
		else bench.record(`${title}: max`, worst, "s");
		stopOtherServers();
	}
	resetCloud();
};
