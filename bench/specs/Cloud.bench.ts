import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";

type ProfileServiceModule = typeof import("@rbxts/profileservice");
interface Profile {
	Data: { coins: number };
	Release(): void;
}
interface Store {
	LoadProfileAsync(key: string, handler: "ForceLoad"): Profile | undefined;
}

/**
 * The simulated cloud's own speed: how much virtual time the headless runtime covers per real second.
 */
export = (bench: Bench) => {
	resetCloud();
	configureFaults({});

	// 10,000 UpdateAsync calls on one server (budget-paced: the server has 100 players).
	const server = newServer({ runScripts: false });
	for (let p = 1; p <= 100; p++) server.addPlayer({ userId: 700000 + p });
	const calls = 10000;
	let wall = bench.clock();
	let virtualStart = os.clock();
	let dropped = 0;
	server.run(() => {
		const store = server.game.GetService("DataStoreService").GetDataStore("BenchCloud");
		// 20 callers at a time: fewer than the throttle queue's 30, so waiting requests queue, not drop.
		const workers = 20;
		let done = 0;
		const caller = coroutine.running();
		for (let w = 0; w < workers; w++) {
			task.spawn(() => {
				for (let i = 0; i < calls / workers; i++) {
					const [ok] = pcall(() => store.UpdateAsync<number, number>(`k${w}`, (n) => $tuple((n ?? 0) + 1)));
					if (!ok) dropped += 1;
				}
				done += 1;
				if (done === workers) task.spawn(caller);
			});
		}
		coroutine.yield();
	});
	wall = bench.clock() - wall;
	bench.record("10,000 UpdateAsync calls on one server: wall time", wall, "s");
	bench.record("10,000 UpdateAsync calls: virtual time", os.clock() - virtualStart, "s");
	bench.record("10,000 UpdateAsync calls: wall time per call", (wall / calls) * 1e6, "us");
	bench.record("10,000 UpdateAsync calls: requests dropped", dropped, "requests");
	server.crash();

	// A one-hour world: 4 servers, 100 players joining, playing (earning every 30 s) and leaving, on
	// ProfileService (session locks, auto-save) over the shared cloud.
	stopOtherServers();
	resetCloud();
	const servers = new Array<ServerHandle>();
	for (let i = 0; i < 4; i++) servers.push(newServer({ runScripts: false }));
	const rng = new Random(7);
	let finished = 0;
	wall = bench.clock();
	virtualStart = os.clock();
	for (let p = 1; p <= 100; p++) {
		const host = servers[(p - 1) % 4];
		const joinAt = rng.NextNumber(0, 1200);
		const stayFor = rng.NextNumber(600, 2400);
		host.spawn(() => {
			task.wait(joinAt);
			const player = host.addPlayer({ userId: 800000 + p });
			const ProfileService = host.require<ProfileServiceModule>(
				"ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src",
			);
			const store = ProfileService.GetProfileStore("BenchWorld", { coins: 0 }) as unknown as Store;
			const profile = store.LoadProfileAsync(`player_${p}`, "ForceLoad");
			const leaveAt = os.clock() + stayFor;
			while (os.clock() < leaveAt) {
				task.wait(30);
				if (profile) profile.Data.coins += 10;
			}
			profile?.Release();
			host.removePlayer(player);
			finished += 1;
		});
	}
	while (finished < 100 && os.clock() - virtualStart < 3600) task.wait(10);
	task.wait(math.max(0, 3600 - (os.clock() - virtualStart)));
	wall = bench.clock() - wall;
	const virtual = os.clock() - virtualStart;
	bench.record("one-hour world (4 servers, 100 players, ProfileService): wall time", wall, "s");
	bench.record("one-hour world: virtual time covered", virtual, "s");
	bench.ratio("one-hour world: virtual / wall time", virtual, wall, "higher is better");
	bench.record("one-hour world: players who finished their session", finished, "players");
	stopOtherServers();
};
