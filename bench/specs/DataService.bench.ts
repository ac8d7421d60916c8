import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { percentile } from "./harness/percentile";
import { playerHours } from "./harness/playerHours";

type ServiceModule = typeof import("server/services/DataService");
type Data = { coins: number; gems: number; level: number; inventory: Record<string, number> };
type PsProfile = { Data: Data; Release(): void; Save(): void };
type PsStore = { LoadProfileAsync(key: string, handler: string): PsProfile | undefined };
type PsModule = { GetProfileStore: (this: void, name: string, template: object) => PsStore };

const TEMPLATE: Data = { coins: 0, gems: 0, level: 1, inventory: {} };
const PLAYERS = 8;
const MINUTES = 10;
const TELEPORTS = 12;

/**
 * DataService against ProfileService used alone, in the same scenario and run: DataStore requests per
 * player-hour, and teleport handoff time (virtual seconds from arriving on the target server to holding
 * the profile there).
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();

	// ProfileService alone: Data edited in place, Save() after a purchase, Release() on leave.
	const psServer = newServer({ runScripts: false, faultImmune: true });
	const ps = psServer.require<PsModule>("ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src");
	const psStore = psServer.run(() => ps.GetProfileStore("PlayerData", TEMPLATE));
	const psProfiles = new Map<number, PsProfile>();
	const psRate = playerHours(
		PLAYERS,
		MINUTES,
		{
			load: (id) =>
				psProfiles.set(
					id,
					psServer.run(() => psStore.LoadProfileAsync(`Player_${id}`, "ForceLoad")!),
				),
			earn: (id, coins) => (psProfiles.get(id)!.Data.coins = coins),
			buy: (id, gems) => {
				psProfiles.get(id)!.Data.gems = gems;
				psProfiles.get(id)!.Save();
			},
			leave: (id) => psServer.run(() => psProfiles.get(id)!.Release()),
		},
		1000,
	);

	// DataService: validated updates, durable purchases, inbox claim on load.
	const dsServer = newServer({ runScripts: false, faultImmune: true });
	const dsModule = dsServer.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const service = dsServer.run(() => new dsModule.DataService<Data>({ warnings: false, bindPlayers: false }));
	task.wait(0.5);
	const dsRate = playerHours(
		PLAYERS,
		MINUTES,
		{
			load: (id) => service.LoadPlayerData(id).expect(),
			earn: (id, coins) => service.UpdatePlayerData(id, { coins }).expect(),
			buy: (id, gems) => service.UpdatePlayerData(id, { gems }, { durable: true }).expect(),
			leave: (id) => service.ReleasePlayer(id).expect(),
		},
		2000,
	);
	bench.record(
		`ProfileService alone: DataStore requests per player-hour (${PLAYERS} players, ${MINUTES} min)`,
		psRate,
		"requests",
	);
	bench.record("DataService: DataStore requests per player-hour (same scenario)", dsRate, "requests");
	bench.ratio("DataService / ProfileService alone: requests per player-hour", dsRate, psRate, "<= 1.5");
	stopOtherServers();

	// Teleport handoff: leave A (release) and arrive on B after 1 s; time from arrival to holding the profile.
	const handoff = (useService: boolean, base: number, holderReleases: boolean): Array<number> => {
		const times = new Array<number>();
		const a = newServer({ runScripts: false, faultImmune: true });
		const b = newServer({ runScripts: false, faultImmune: true });
		type Loader = { load: (id: number) => void; earn: (id: number) => void; leave: (id: number) => void };
		const loaders = [a, b].map((server): Loader => {
			if (useService) {
				const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
				const s = server.run(() => new module.DataService<Data>({ warnings: false, bindPlayers: false }));
				return {
					load: (id) => {
						s.LoadPlayerData(id).expect();
					},
					earn: (id) => {
						s.UpdatePlayerData(id, { coins: 5 }).expect();
					},
					leave: (id) => s.ReleasePlayer(id).expect(),
				};
			}
			const module = server.require<PsModule>(
				"ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src",
			);
			const store = server.run(() => module.GetProfileStore("PlayerData", TEMPLATE));
			const held = new Map<number, PsProfile>();
			return {
				load: (id) => {
					held.set(
						id,
						server.run(() => store.LoadProfileAsync(`Player_${id}`, "ForceLoad")!),
					);
				},
				earn: (id) => {
					held.get(id)!.Data.coins = 5;
				},
				leave: (id) => server.run(() => held.get(id)!.Release()),
			};
		});
		task.wait(0.5);
		for (let i = 0; i < TELEPORTS; i++) {
			const id = base + i;
			loaders[0].load(id);
			task.wait(5 + (i % 4) * 3);
			// A change right before leaving, as a game makes at a teleport pad: the release save follows it.
			loaders[0].earn(id);
			// Without a release (the departure not yet processed, a stuck holder) only the new server can act.
			if (holderReleases) loaders[0].leave(id);
			task.wait(1);
			const arrived = os.clock();
			loaders[1].load(id);
			times.push(os.clock() - arrived);
			loaders[1].leave(id);
		}
		a.crash();
		b.crash();
		return times;
	};
	// Released on leave: both wait for the holder's release save; DataService adds one inbox write after
	// the lock (the session token, which also returns the inbox to claim). Still holding: ProfileService's
	// ForceLoad waits for the holder's next auto-save to see the request, a release request reaches the
	// holder at once.
	for (const [scenario, releases, base, goal] of [
		["holder released on leave", true, 3000, "about 1 (+ one inbox write)"],
		["holder still holding", false, 5000, "< 1"],
	] as const) {
		const psTimes = handoff(false, base, releases);
		const dsTimes = handoff(true, base + 1000, releases);
		for (const [label, p] of [
			["p50", 0.5],
			["p99", 0.99],
		] as const) {
			const psValue = percentile(psTimes, p);
			const dsValue = percentile(dsTimes, p);
			bench.record(`ProfileService alone (ForceLoad), ${scenario}: handoff ${label}`, psValue, "s (virtual)");
			bench.record(`DataService (release request), ${scenario}: handoff ${label}`, dsValue, "s (virtual)");
			bench.ratio(
				`DataService / ProfileService alone, ${scenario}: ${label}`,
				dsValue,
				math.max(psValue, 1e-3),
				goal,
			);
		}
	}
	stopOtherServers();
	resetCloud();
};
