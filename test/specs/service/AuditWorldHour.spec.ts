import type { AuditBatch, AuditEntry } from "shared/core/AuditLogger";
import { AuditLogger } from "shared/core/AuditLogger";
import { dataStoreWrites, storedValue } from "../harness/Cloud";
import { isChaosRun } from "../harness/Chaos";
import { freshWorld, serviceServer, stopServers } from "./support";

const STORE = "DataService.Audit";
const PLAYERS = 100;
/**
 * The whole hour in a chaos run (`npm run chaos -- --filter AuditWorldHour`, about 5 minutes of real time);
 * its first 10 minutes in `npm test`, to keep the suite's cost modest. Figures are scaled to a player-hour.
 */
const MINUTES = isChaosRun() ? 60 : 10;

/** Minutes of play per `it`: each test may take at most 1,800 s of virtual time (the runner's limit). */
const PART = 10;

export = () => {
	// One world across the three parts of the hour (TestEZ runs a describe's its in order): run them together.
	let world: ReturnType<typeof serviceServer> | undefined;
	const ids = new Array<number>();
	const performed = new Map<string, number>();
	const count = (kind: string) => performed.set(kind, (performed.get(kind) ?? 0) + 1);
	const rng = new Random(15);

	let startedAt = 0;
	beforeAll(() => {
		freshWorld();
		startedAt = os.clock();
		world = serviceServer({ enableAuditing: true, loadOnJoin: false });
		// Players in the server: its DataStore budget grows with them (60 + 10 per player a minute), as live.
		for (let i = 1; i <= PLAYERS; i++) {
			ids.push(50000 + i);
			world.server.addPlayer({ userId: 50000 + i });
		}
		const loads = ids.map((id) => world!.service.LoadPlayerData(id));
		for (const load of loads) load.expect();
	});
	afterAll(() => stopServers());

	/** One minute of play: about one change per player (a quest reward, a level up, or nothing), 3 trades. */
	function playMinute(minute: number): void {
		const service = world!.service;
		for (const id of ids) {
			const roll = rng.NextNumber();
			if (roll < 0.6) {
				service.IncrementPlayerData(id, { coins: 3 }, { source: "quest", minute }).expect();
				count("update");
			} else if (roll < 0.8) {
				service.UpdatePlayerData(id, (d) => ({ level: d.level + 1 }), { source: "levelUp" }).expect();
				count("update");
			}
		}
		for (let t = 0; t < 3; t++) {
			const a = ids[rng.NextInteger(0, PLAYERS - 1)];
			const b = ids[rng.NextInteger(0, PLAYERS - 1)];
			if (a === b) continue;
			service
				.Trade(a, b, (da, db) => [
					{ ...da, coins: da.coins - 1 },
					{ ...db, coins: db.coins + 1 },
				])
				.expect();
			count("trade");
		}
		task.wait(60);
	}

	for (let part = 0; part < MINUTES / PART; part++) {
		it(`plays minutes ${part * PART} to ${(part + 1) * PART} of a one-hour 100-player world`, () => {
			expect(world).never.to.equal(undefined);
			for (let minute = part * PART; minute < (part + 1) * PART; minute++) playMinute(minute);
		});
	}

	it("logged every operation of the hour exactly once, verifiably, at a stated request cost", () => {
		const stats = world!.service.GetAuditLogger()!.GetStats();
		const stream = world!.service.GetAuditLogger()!.GetStreamId();
		print(
			`[AuditWorldHour] logger before shutdown: ${stats.logged} logged, ${stats.buffered} buffered, ${stats.batches} batches, ${stats.failedWrites} failed writes`,
		);
		expect(world!.server.shutdown()).to.equal("completed");
		const data = new Array<AuditEntry>();
		let batchWrites = 0;
		for (let seq = 1; ; seq++) {
			const batch = (storedValue(STORE, `${stream}/${seq}`) as { d: AuditBatch } | undefined)?.d;
			if (batch === undefined) break;
			batchWrites += 1;
			for (const entry of batch.entries) {
				if (entry.category === "data" && (entry.type === "update" || entry.type === "trade")) data.push(entry);
			}
		}
		const changes = new Set<string>();
		for (const entry of data) {
			expect(changes.has(entry.change!)).to.equal(false);
			changes.add(entry.change!);
		}
		const updates = data.filter((e) => e.type === "update").size();
		const trades = data.filter((e) => e.type === "trade").size();
		expect(updates).to.equal(performed.get("update"));
		expect(trades).to.equal(performed.get("trade"));
		const verdict = new AuditLogger({ bindToClose: false, streamId: "checker" }).VerifyAuditTrail().expect();
		expect(verdict.ok).to.equal(true);
		const heads = dataStoreWrites(`${STORE}.Heads`).size();
		const indexes = dataStoreWrites(`${STORE}.Players`).size();
		const requests = batchWrites + heads + indexes;
		const perPlayerHour = (requests / PLAYERS) * (60 / MINUTES);
		print(
			`[AuditWorldHour] ${updates + trades} operations (${updates} updates, ${trades} trades) logged once each; ` +
				`${batchWrites} batch writes, ${heads} checkpoint/directory writes, ${indexes} index writes: ` +
				`${string.format("%.2f", perPlayerHour)} DataStore requests per player-hour added`,
		);
		// At most one batch a minute since the server started (loads included), plus the one at shutdown;
		// each player's index once per indexInterval (900 s) and at shutdown: 52 a player-hour before that.
		expect(batchWrites <= math.ceil((os.clock() - startedAt) / 60) + 1).to.equal(true);
		expect(indexes <= PLAYERS * (math.floor((MINUTES * 60) / 900) + 1)).to.equal(true);
		expect(perPlayerHour <= 10).to.equal(true);
	});
};
