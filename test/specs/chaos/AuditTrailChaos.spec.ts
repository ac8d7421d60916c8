import { AuditBatch, AuditLogger } from "shared/core/AuditLogger";
import { chaosSeeds, reseed } from "../harness/Chaos";
import { resetCloud, storedValue } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../harness/World";

const STORE = "DataService.Audit";
const RETRYABLE = [301, 302, 303, 304, 305, 306, 500, 501, 502, 503, 504, 505];

type LoggerModule = typeof import("shared/core/AuditLogger");

/** Scenario helpers live outside the spec callbacks, where TestEZ's expect is not in scope. */
function invariant(condition: boolean, message: string): void {
	if (!condition) error(`invariant broken: ${message}`, 2);
}

/** What one server logged and what a resolved Flush acknowledged (every entry logged before the call). */
interface Ledger {
	readonly logged: Array<string>;
	acknowledged: number;
	finished: boolean;
}

/** The `n` of every entry the cloud holds for `stream`, read raw, in chain order. */
function storedIds(stream: string): Array<string> {
	const ids = new Array<string>();
	for (let seq = 1; ; seq++) {
		const batch = (storedValue(STORE, `${stream}/${seq}`) as { d: AuditBatch } | undefined)?.d;
		if (batch === undefined) break;
		for (const entry of batch.entries) if (entry.type === "op") ids.push(entry.context!.n as string);
	}
	return ids;
}

/**
 * Three servers log operations for three virtual minutes with 20% DataStore errors, writes that fail but
 * land, and latency tails, flushing by size, by time and on demand; one of them crashes at a random moment,
 * often in the middle of a flush. Then a fourth logger recovers the half-finished flush and the trail must
 * verify, hold every acknowledged entry exactly once, and lose only entries of the crashed server logged
 * after its last acknowledged flush.
 */
function scenario(seed: number): string {
	reseed(seed);
	resetCloud();
	stopOtherServers();
	const rng = new Random(seed);
	configureFaults({
		seed,
		dataStore: {
			errorRate: { "*": 0.2 },
			errorCodes: RETRYABLE,
			failedButAppliedRate: 0.05,
			latency: { min: 0.05, max: 0.5, tailRate: 0.05, tailMax: 3 },
		},
	});
	const servers = new Array<ServerHandle>();
	const ledgers = new Array<Ledger>();
	for (let i = 0; i < 3; i++) {
		const server = newServer({ runScripts: false });
		const ledger: Ledger = { logged: [], acknowledged: 0, finished: false };
		servers.push(server);
		ledgers.push(ledger);
		server.spawn(() => {
			const module = server.require<LoggerModule>("ReplicatedStorage/TS/core/AuditLogger");
			const audit = new module.AuditLogger({
				bindToClose: false,
				warnings: false,
				streamId: `s${i}`,
				maxBatchEntries: 25,
			});
			const started = os.clock();
			while (os.clock() - started < 180) {
				const id = `${i}:${ledger.logged.size()}`;
				ledger.logged.push(id);
				audit.Log({
					category: "data",
					type: "op",
					players: [1000 + (ledger.logged.size() % 7)],
					context: { n: id },
				});
				if (rng.NextNumber() < 0.05) {
					const before = ledger.logged.size();
					if (audit.Flush().await()[0]) ledger.acknowledged = math.max(ledger.acknowledged, before);
				}
				task.wait(rng.NextNumber(0.1, 1.5));
			}
			for (let attempt = 0; attempt < 20; attempt++) {
				const before = ledger.logged.size();
				if (audit.Close().await()[0]) {
					ledger.acknowledged = before;
					break;
				}
			}
			ledger.finished = true;
		});
	}
	const victim = rng.NextInteger(0, 2);
	task.delay(rng.NextNumber(20, 170), () => servers[victim].crash());
	const waitStarted = os.clock();
	while (ledgers.some((l, i) => !l.finished && i !== victim) && os.clock() - waitStarted < 600) task.wait(1);
	invariant(
		ledgers.every((l, i) => l.finished || i === victim),
		"a server that did not crash never finished",
	);
	configureFaults({});
	const checker = new AuditLogger({ bindToClose: false, warnings: false, streamId: "checker" });
	const recovered = checker.RecoverStreams(0).expect();
	const verdict = checker.VerifyAuditTrail().expect();
	invariant(
		verdict.ok,
		`the trail does not verify: ${verdict.problems.map((p) => `${p.kind} ${p.message}`).join("; ")}`,
	);
	let recoveries = 0;
	for (let seq = 1; ; seq++) {
		const batch = (storedValue(STORE, `checker/${seq}`) as { d: AuditBatch } | undefined)?.d;
		if (batch === undefined) break;
		for (const entry of batch.entries) if (entry.type === "streamRecovered") recoveries += 1;
	}
	invariant(recoveries === recovered.batches, `${recovered.batches} batches recovered, ${recoveries} recorded`);
	let lost = 0;
	for (let i = 0; i < 3; i++) {
		const ledger = ledgers[i];
		const ids = storedIds(`s${i}`);
		const present = new Set<string>();
		for (const id of ids) {
			invariant(!present.has(id), `entry ${id} is stored twice`);
			present.add(id);
		}
		const logged = new Set(ledger.logged);
		for (const id of ids) invariant(logged.has(id), `entry ${id} was never logged`);
		for (let n = 0; n < ledger.acknowledged; n++) {
			invariant(present.has(ledger.logged[n]), `acknowledged entry ${ledger.logged[n]} is missing`);
		}
		for (let n = ledger.acknowledged; n < ledger.logged.size(); n++) {
			if (present.has(ledger.logged[n])) continue;
			invariant(i === victim, `entry ${ledger.logged[n]} of a server that did not crash is missing`);
			lost += 1;
		}
	}
	// Every stored entry naming a player is found from that player's index by a server that logged none of
	// it (the closed servers wrote their indexes at Close, the recovery those the crashed one had not), once.
	for (let player = 1000; player < 1007; player++) {
		const expected = new Set<string>();
		for (let i = 0; i < 3; i++) {
			for (let seq = 1; ; seq++) {
				const batch = (storedValue(STORE, `s${i}/${seq}`) as { d: AuditBatch } | undefined)?.d;
				if (batch === undefined) break;
				for (const entry of batch.entries)
					if (entry.players.includes(player)) expected.add(entry.context!.n as string);
			}
		}
		const found = new Set<string>();
		let page = checker.QueryPlayer(player, { limit: 50 }).expect();
		for (;;) {
			for (const r of page.records) {
				const n = r.entry.context!.n as string;
				invariant(!found.has(n), `entry ${n} is found twice for player ${player}`);
				found.add(n);
			}
			if (page.next === undefined) break;
			page = checker.QueryPlayer(player, { limit: 50, cursor: page.next }).expect();
		}
		for (const n of expected) invariant(found.has(n), `entry ${n} of player ${player} is in no index`);
		invariant(
			found.size() === expected.size(),
			`player ${player}: ${found.size()} found, ${expected.size()} stored`,
		);
	}
	return `crashed s${victim}: ${lost} unacknowledged entries lost, ${recovered.batches} batches recovered`;
}

export = () => {
	for (const seed of chaosSeeds(2)) {
		it(`keeps every acknowledged entry and verifies after crashes mid-flush and DataStore errors (seed ${seed})`, () => {
			print(`[AuditTrailChaos] ${scenario(seed)}`);
			stopOtherServers();
		});
	}
};
