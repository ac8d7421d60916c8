import { configureCloud, resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { offlineRecord } from "../../test/specs/migration/offlineRecord";

type ServiceModule = typeof import("server/services/DataService");

/** Writes `count` offline version 1 profiles from a throwaway server with a large start allotment. */
function seed(count: number): void {
	configureCloud({ startAllotmentMinutes: math.ceil(count / 60) + 2 });
	const seeder = newServer({ runScripts: false });
	configureCloud({ startAllotmentMinutes: 0 });
	let pending = 0;
	for (let t = 0; t < 20; t++) {
		pending += 1;
		seeder.spawn(() => {
			const store = seeder.game.GetService("DataStoreService").GetDataStore("PlayerData");
			for (let i = t; i < count; i += 20) {
				store.SetAsync(
					`Player_${100000 + i}`,
					offlineRecord({ v: 1, data: { coins: i }, applied: {}, seq: 0 }),
				);
			}
			pending -= 1;
		});
	}
	while (pending > 0) task.wait(1);
	seeder.crash();
}

/**
 * Keys a batch migration moves per minute (virtual time) on a server with P players, against the most the
 * server's budget allows: each key costs one GetAsync and one UpdateAsync, both drawn from the Get budget
 * (60 + 10·P a minute), so the budget's maximum is (60 + 10·P) / 2 keys a minute. The batch runs at
 * background priority and leaves the reserve to player saves, so the goal is at least 0.8 of that maximum.
 * Servers start without the one-time allotment, but a budget starts full (a minute's worth), so a run of
 * about three minutes can show up to 4/3 of the steady maximum.
 */
export = (bench: Bench) => {
	for (const players of [0, 20, 50]) {
		resetCloud();
		configureFaults({});
		stopOtherServers();
		const maximum = (60 + 10 * players) / 2;
		const keys = math.floor(maximum * 3);
		seed(keys);
		const server = newServer({ runScripts: false });
		configureCloud({ startAllotmentMinutes: 1 });
		for (let p = 1; p <= players; p++) server.addPlayer({ userId: 900000 + p });
		const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
		const step = { name: "add level", from: 1, up: (d: object) => ({ ...d, level: 1 }), sample: { coins: 1 } };
		const started = os.clock();
		const run = server.run(() => {
			const service = new module.DataService(
				{ schema: { type: "object" }, template: { coins: 0 }, migrations: [step], warnings: false } as never,
				{},
			);
			return service.RunMigration({ pageSize: 100 }).expect();
		});
		const minutes = (os.clock() - started) / 60;
		const rate = run.migratedCount / minutes;
		bench.record(`P=${players}: keys migrated (${keys} offline)`, run.migratedCount, "keys");
		bench.record(`P=${players}: keys migrated per minute`, rate, "keys/min");
		const ratio = rate / maximum;
		bench.ratio(
			`P=${players}: keys per minute / budget maximum ((60 + 10·P) / 2 = ${maximum})`,
			rate,
			maximum,
			`>= 0.8: ${ratio >= 0.8 ? "met" : "missed"}`,
		);
		server.crash();
	}
	configureCloud({ startAllotmentMinutes: 1 });
};
