import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { recordGoal } from "./harness/Goals";
import { BenchData } from "./harness/Libraries";
import { startRequestLog } from "./harness/RequestLog";

type ServiceModule = typeof import("server/services/DataService");

const PLAYERS = 100;
const MINUTES = 60;

/**
 * A join storm: PLAYERS players join one server in the same second and load, then play for an hour (a change
 * every 30 s, a durable purchase every 5 min), every DataService feature on (backups, audit, consistency check
 * on load). Nothing may be dropped: no DataStore request refused with 301-306, no load, update or durable save
 * failing. Requests that waited in a throttle queue are reported (waiting is what the queue is for).
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();
	const server = newServer({ runScripts: false, faultImmune: true });
	const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const service = server.run(
		() =>
			new module.DataService<BenchData>({
				warnings: false,
				bindPlayers: false,
				enableBackups: true,
				enableAuditing: true,
				checkConsistencyOnRead: true,
			}),
	);
	task.wait(1);
	const log = startRequestLog();
	let failed = 0;
	let running = PLAYERS;
	const rng = new Random(7);
	for (let p = 1; p <= PLAYERS; p++) {
		const id = 500000 + p;
		const offset = rng.NextNumber(0, 30);
		server.addPlayer({ userId: id });
		task.spawn(() => {
			if (!service.LoadPlayerData(id).await()[0]) failed += 1;
			task.wait(offset);
			for (let second = 30; second <= MINUTES * 60; second += 30) {
				task.wait(30);
				if (!service.UpdatePlayerData(id, { coins: second }).await()[0]) failed += 1;
				if (second % 300 === 0) {
					if (!service.UpdatePlayerData(id, { gems: second / 300 }, { durable: true }).await()[0])
						failed += 1;
				}
			}
			if (!service.ReleasePlayer(id).await()[0]) failed += 1;
			running -= 1;
		});
	}
	while (running > 0) task.wait(5);
	task.wait(30);
	const counts = log.stop();
	const stats = service.GetStatistics().service;
	recordGoal(
		bench,
		`${PLAYERS}-player join storm + ${MINUTES} min: DataStore requests dropped (301-306)`,
		counts.dropped,
		"",
		0,
	);
	recordGoal(
		bench,
		`${PLAYERS}-player join storm + ${MINUTES} min: loads, updates and releases that failed`,
		failed + stats.durableFailures,
		"",
		0,
	);
	bench.record(
		`${PLAYERS}-player join storm + ${MINUTES} min: DataStore requests that waited in a throttle queue`,
		counts.throttled,
		"",
	);
	bench.record(
		`${PLAYERS}-player join storm + ${MINUTES} min: DataStore requests per player-hour`,
		(counts.byService.get("DataStore") ?? 0) / ((PLAYERS * MINUTES) / 60),
		"requests",
	);
	stopOtherServers();
	resetCloud();
};
