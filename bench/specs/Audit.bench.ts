import type { AuditBatch, AuditedChange } from "shared/core/AuditLogger";
import { sha256Hex } from "shared/core/audit/sha256Hex";
import { canonicalJson } from "shared/core/dal/Canonical";
import { resetCloud, storedValue } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { countRequests } from "./harness/countRequests";
import { recordGoal } from "./harness/Goals";

type AuditModule = typeof import("shared/core/AuditLogger");
type DalModule = typeof import("shared/core/DataAccessLayer");

const EncodingService = game.GetService("EncodingService");
const PLAYERS = 100;
const MINUTES = 60;

/** A quest reward as the write pipeline hands it to the audit stage: two fields changed, the game's context. */
function questReward(id: string, playerId: number, coins: number): AuditedChange {
	return {
		id,
		kind: "update",
		sides: [
			{
				playerId,
				before: { coins, level: 3, email: "a@b.c", inventory: { sword: 1 } },
				after: { coins: coins + 3, level: 3, email: "a@b.c", inventory: { sword: 1, potion: 1 } },
			},
		],
		context: { source: "quest", questId: "daily" },
		refusable: true,
	};
}

/**
 * The AuditLogger: events per second through `LogChange` (buffering, redaction, canonical JSON, SHA-256),
 * DataStore writes per 1,000 events and per server-minute in an hour of a 100-player server at normal volume
 * (one change per player a minute), and verification speed in entries per real second. Each beside its goal.
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();
	const server = newServer({ runScripts: false, faultImmune: true });
	// Players in the server: its DataStore budget grows with them, as live.
	for (let p = 1; p <= PLAYERS; p++) server.addPlayer({ userId: 70000 + p });
	const audits = server.require<AuditModule>("ReplicatedStorage/TS/core/AuditLogger");
	const dals = server.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");

	// Throughput: nothing is flushed while timing (huge interval and batch), so this is the logger's own work.
	const idle = server.run(
		() =>
			new audits.AuditLogger({
				bindToClose: false,
				warnings: false,
				streamId: "throughput",
				flushInterval: 1e9,
				maxBatchEntries: 1e9,
				maxBatchChars: 1e12,
				sensitivePaths: ["email"],
			}),
	);
	let n = 0;
	const perEvent = server.run(() => bench.time(() => idle.LogChange(questReward(`t${++n}`, 70001, n))));
	const encodeOnly = bench.time(() => canonicalJson(questReward(`e${++n}`, 70001, n)));
	// Goal: a busy 100-player server changes about 100 times a second at peak; at 1,000 events/s (on this
	// WebAssembly VM, slower than Roblox's) logging them takes at most a tenth of one core.
	recordGoal(
		bench,
		"events per second through LogChange (two field changes + context)",
		1 / perEvent,
		"events/s",
		1000,
		true,
	);
	// Encoding the entry once is inherent (its hash covers its canonical JSON): describing the change,
	// concealing its sensitive field and hashing should add at most as much again, twice.
	bench.ratio("LogChange / canonical JSON of the change alone", perEvent, encodeOnly, "<= 3");

	// An hour at normal volume: one change per player a minute, then Close (BindToClose's flush).
	const dal = server.run(() => new dals.DataAccessLayer({ warnings: false }));
	const audit = server.run(
		() =>
			new audits.AuditLogger({
				bindToClose: false,
				warnings: false,
				streamId: "hour",
				dataAccessLayer: dal,
				sensitivePaths: ["email"],
			}),
	);
	const counter = countRequests();
	let events = 0;
	for (let minute = 0; minute < MINUTES; minute++) {
		server.run(() => {
			for (let p = 1; p <= PLAYERS; p++) {
				events += 1;
				audit.LogChange(questReward(`h${events}`, 70000 + p, minute * 3));
			}
		});
		task.wait(60);
	}
	server.run(() => audit.Close().expect());
	const requests = counter.count();
	counter.stop();
	const stats = audit.GetStats();
	const writes = stats.batchWrites + stats.headWrites + stats.indexWrites;
	bench.record(
		`hour of ${PLAYERS} players: events, batches, checkpoint and index writes`,
		events,
		`events; ${stats.batches} batches, ${stats.headWrites} checkpoints, ${stats.indexWrites} index writes`,
	);
	recordGoal(bench, "batch writes per server-minute at normal volume (issue 15)", stats.batchWrites / MINUTES, "", 1);
	bench.record(
		"all trail writes per server-minute (batch + checkpoint + index)",
		writes / MINUTES,
		"",
		"report: the issue's 'one write a minute' counts the batch; its checkpoint is a second key by design",
	);
	// Goal: at one event per player-minute, 100 writes per 1,000 events is 6 requests per player-hour, the
	// "few" issue 18's budget (ProfileStore's 141.75 per player-hour with every feature on) leaves the trail.
	recordGoal(bench, "DataStore writes per 1,000 events", (writes / events) * 1000, "writes", 100);
	recordGoal(bench, "DataStore requests per player-hour added (all kinds)", requests / PLAYERS, "requests", 6);

	// Verification: every batch read (one request each) and every entry hashed again.
	const checker = server.run(
		() =>
			new audits.AuditLogger({ bindToClose: false, warnings: false, streamId: "checker", dataAccessLayer: dal }),
	);
	const started = bench.clock();
	const verdict = server.run(() => checker.VerifyAuditTrail().expect());
	const seconds = bench.clock() - started;
	bench.record("trail verifies", verdict.ok ? 1 : 0, `(${verdict.batches} batches, ${verdict.entries} entries)`);
	// Goal: a day of a 100-player server at one event per player-minute (144,000 entries) verified within a
	// minute of real time.
	recordGoal(bench, "verification speed", verdict.entries / seconds, "entries/s", 2400, true);
	// What one entry costs at least: its canonical JSON and SHA-256 (the rest is reading the batch, whose
	// envelope checksum the DataAccessLayer checks over the whole batch again).
	const stored = (storedValue("DataService.Audit", "hour/1") as { d: AuditBatch }).d.entries[0];
	const hashOne = server.run(() => bench.time(() => sha256Hex(EncodingService, canonicalJson(stored))));
	bench.ratio(
		"verification per entry / (canonical JSON + SHA-256 of one entry)",
		seconds / verdict.entries,
		hashOne,
		"report",
	);
	server.shutdown();
	stopOtherServers();
};
