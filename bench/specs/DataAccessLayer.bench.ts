import { DataAccessLayer, DataAuditEvent } from "shared/core/DataAccessLayer";
import { resetCloud } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";

type DalModule = typeof import("shared/core/DataAccessLayer");

/**
 * Request cost of the DataAccessLayer against the minimum a DataStore allows, and whether a burst gets
 * throttled. Counts, not times: they are the same on any machine.
 */
export = (bench: Bench) => {
	resetCloud();
	configureFaults({});
	const dal = new DataAccessLayer({ warnings: false });

	// One single-key update: the minimum is one UpdateAsync (a read-modify-write in one request).
	dal.update<number>({ store: "Bench", key: "warm" }, (n) => (n ?? 0) + 1).expect();
	let before = dal.getRequestCount();
	const updates = 50;
	for (let i = 0; i < updates; i++) dal.update<number>({ store: "Bench", key: "one" }, (n) => (n ?? 0) + 1).expect();
	const perUpdate = (dal.getRequestCount() - before) / updates;
	bench.record("DataStore requests per single-key update", perUpdate, "requests");
	bench.ratio("single-key update / minimum (1 UpdateAsync)", perUpdate, 1, "= 1");

	// k-key transactions: the floor for an all-or-nothing write of k keys is k writes.
	for (const k of [1, 2, 4, 8]) {
		const keys = new Array<{ store: string; key: string }>();
		for (let i = 0; i < k; i++) keys.push({ store: "BenchTx", key: `k${k}_${i}` });
		before = dal.getRequestCount();
		const rounds = 5;
		for (let r = 0; r < rounds; r++) {
			dal.transaction(keys, (slots) => slots.map((s) => ((s.data as number | undefined) ?? 0) + 1)).expect();
		}
		const perTx = (dal.getRequestCount() - before) / rounds;
		bench.record(
			`DataStore requests per ${k}-key transaction (${k} reads + ${2 * k + 2} updates)`,
			perTx,
			"requests",
		);
		bench.ratio(`${k}-key transaction / minimum (${k} writes)`, perTx, k, "close to 3 + 2/k");
	}

	// A burst of 1,000 updates on a 10-player server: none may be throttled and dropped.
	const server = newServer({ runScripts: false });
	for (let p = 1; p <= 10; p++) server.addPlayer({ userId: 900000 + p });
	let dropped = 0;
	let failed = 0;
	const started = os.clock();
	server.run(() => {
		const module = server.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");
		const burst = new module.DataAccessLayer({
			warnings: false,
			audit: (e: DataAuditEvent) => {
				if (e.type === "retry" && e.error.kind === "Throttled") dropped += 1;
			},
		});
		const promises = new Array<Promise<unknown>>();
		for (let i = 0; i < 1000; i++) {
			promises.push(burst.update<number>({ store: "Burst", key: `p${i % 10}` }, (n) => (n ?? 0) + 1));
		}
		for (const result of Promise.allSettled(promises).expect()) if (result !== Promise.Status.Resolved) failed += 1;
	});
	bench.record("burst of 1,000 updates on a 10-player server: throttled and dropped requests", dropped, "requests");
	bench.record("burst of 1,000 updates: updates that failed", failed, "updates");
	bench.record("burst of 1,000 updates: virtual time to drain (budget-paced)", os.clock() - started, "s");
	server.crash();
};
