import { ConsistencyChecker, equippedOwned, levelCap, mintItemId } from "shared/core/ConsistencyChecker";
import { DataValidator } from "shared/core/DataValidator";
import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { CATALOG, ITEM_RULES, ITEM_SCHEMA, ITEM_TEMPLATE, ItemData } from "../../test/specs/consistency/support";
import { countRequests } from "./harness/countRequests";
import { Bench } from "./harness/Bench";

type ServiceModule = typeof import("server/services/DataService");
type Service = InstanceType<ServiceModule["DataService"]>;

const PLAYERS = 8;
const MINUTES = 30;
const ITEMS = 20;

function profile(): ItemData {
	const items = new Array<{ id: string; item: string }>();
	for (let i = 0; i < ITEMS; i++) items.push({ id: mintItemId(), item: CATALOG[i % CATALOG.size()] });
	return { ...ITEM_TEMPLATE, coins: 500, level: 40, items, equipped: items[0].id, inventory: { potion: 3 } };
}

/**
 * The player-hour scenario on the item game: each player loads, earns every 30 s, gets a minted item every
 * 5 min, leaves. Returns DataStore requests and the index's MemoryStore requests per player-hour.
 */
function playerHours(consistency: boolean, base: number): { dataStore: number; memoryStore: number } {
	const server = newServer({ runScripts: false, faultImmune: true });
	const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const service: Service = server.run(
		() =>
			new module.DataService({
				warnings: false,
				bindPlayers: false,
				schema: ITEM_SCHEMA,
				template: ITEM_TEMPLATE,
				currencies: ["coins"],
				enableConsistencyChecks: consistency,
				checkConsistencyOnRead: consistency,
				consistency: consistency
					? {
							catalog: CATALOG,
							uniqueItems: [{ path: "items" }],
							rules: [levelCap("level", 100), equippedOwned("equipped", "items")],
							checkInterval: 600,
						}
					: {},
			}),
	);
	task.wait(0.5);
	const counter = countRequests();
	for (let p = 1; p <= PLAYERS; p++) server.run(() => service.LoadPlayerData(base + p).expect());
	for (let second = 30; second <= MINUTES * 60; second += 30) {
		task.wait(30);
		for (let p = 1; p <= PLAYERS; p++) {
			server.run(() => service.IncrementPlayerData(base + p, { coins: 1 }).expect());
			if (second % 300 === 0)
				server.run(() =>
					service
						.UpdatePlayerData(
							base + p,
							(d) =>
								({
									items: [...(d as unknown as ItemData).items, { id: mintItemId(), item: "sword" }],
								}) as never,
						)
						.expect(),
				);
		}
	}
	for (let p = 1; p <= PLAYERS; p++) server.run(() => service.ReleasePlayer(base + p).expect());
	task.wait(30);
	const hours = (PLAYERS * MINUTES) / 60;
	const dataStore = counter.count() / hours;
	counter.stop();
	const memoryStore = (service.GetConsistencyChecker()?.GetStatistics().indexRequests ?? 0) / hours;
	server.shutdown();
	return { dataStore, memoryStore };
}

/**
 * The ConsistencyChecker: checks per second of one 20-item profile against the schema validation alone,
 * and the DataStore and MemoryStore requests per player-hour that the check on load, the schedule (every
 * 10 min) and the uniqueness index add to a game's own traffic.
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();

	const data = profile();
	const checker = new ConsistencyChecker({
		schema: ITEM_SCHEMA,
		template: ITEM_TEMPLATE,
		currencies: ["coins"],
		...ITEM_RULES,
	});
	const compiled = new DataValidator().compile(ITEM_SCHEMA);
	const marks = checker.Marks(data, 1);
	const check = bench.time(() => checker.Check(data, { previous: data, floors: marks.monotonic }));
	// The marks every committed change stores with the data (the write path's consistency stage).
	const mark = bench.time(() => checker.Marks(data, 1, marks));
	const validate = bench.time(() => compiled.validate(data));
	bench.record(`ConsistencyChecker: checks per second (${ITEMS}-item profile)`, 1 / check, "checks/s");
	// A check is the schema validation plus a storability walk, a JSON size, the item, rule and temporal checks.
	bench.ratio("one check / one schema validation of the same data", check, validate, "<= 10");
	bench.record("ConsistencyChecker: marks per second (stored with each committed change)", 1 / mark, "marks/s");
	bench.ratio("the marks of a change / one schema validation of the same data", mark, validate, "<= 1");

	const without = playerHours(false, 3000);
	const withChecks = playerHours(true, 4000);
	bench.record(
		`DataStore requests per player-hour without checks (${PLAYERS} players, ${MINUTES} min)`,
		without.dataStore,
		"requests",
	);
	bench.record("DataStore requests per player-hour with load + scheduled checks", withChecks.dataStore, "requests");
	bench.record(
		"DataStore requests per player-hour added by the checks",
		withChecks.dataStore - without.dataStore,
		"requests",
	);
	bench.record("MemoryStore requests per player-hour (uniqueness index)", withChecks.memoryStore, "requests");
	stopOtherServers();
};
