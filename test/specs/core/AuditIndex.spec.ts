import { AuditLogger } from "shared/core/AuditLogger";
import type { AuditBatch, AuditHead } from "shared/core/AuditLogger";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { advance, clearDataStoreFaults, dataStoreWrites, resetCloud, storedValue } from "../harness/Cloud";
import { hookedDataStores } from "./hookedDataStores";

const STORE = "DataService.Audit";

function head(stream: string): AuditHead | undefined {
	return (storedValue(`${STORE}.Heads`, stream) as { d: AuditHead } | undefined)?.d;
}

/** The DataStoreService of a server that dies right after its `writes`-th write landed. */
function dyingAfter(writes: number) {
	let count = 0;
	return hookedDataStores({
		afterUpdate: () => {
			count += 1;
			if (count >= writes) coroutine.yield(); // the writing thread never resumes
		},
	});
}

/** Logs one entry for each of `players` a minute for `minutes` minutes. */
function play(audit: AuditLogger, players: ReadonlyArray<number>, minutes: number): void {
	for (let minute = 0; minute < minutes; minute++) {
		for (const player of players) audit.Log({ category: "data", type: "tick", players: [player] });
		advance(60);
	}
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	it("writes an active player's index once per indexInterval, not at every flush, and once more at Close", () => {
		const audit = new AuditLogger({ bindToClose: false, streamId: "paced-index", indexInterval: 600 });
		play(audit, [1, 2, 3], 25);
		// 25 minutes, about 25 flushes: each player's index at about 11 and 22 minutes, not 25 times.
		const before = dataStoreWrites(`${STORE}.Players`).size();
		expect(before).to.equal(6);
		audit.Close().expect();
		expect(dataStoreWrites(`${STORE}.Players`).size()).to.equal(9);
		// A run of batches is one ref: each player has one ref per index write at most.
		const index = storedValue(`${STORE}.Players`, "1") as { d: { refs: Array<{ seq: number; last?: number }> } };
		expect(index.d.refs.size() <= 3).to.equal(true);
		expect(head("paced-index")!.indexed).to.equal(head("paced-index")!.seq);
		const other = new AuditLogger({ bindToClose: false, streamId: "other" });
		expect(other.QueryPlayer(1, { limit: 1000 }).expect().records.size()).to.equal(25);
	});

	it("finds entries not yet indexed: at once on their server, from the watermark in reports, after the interval elsewhere", () => {
		const audit = new AuditLogger({ bindToClose: false, streamId: "lagging", indexInterval: 900 });
		const other = new AuditLogger({ bindToClose: false, streamId: "elsewhere" });
		play(audit, [7, 8], 5);
		audit.Flush().expect();
		expect(dataStoreWrites(`${STORE}.Players`).size()).to.equal(0);
		// The checkpoint says no batch is indexed yet.
		expect(head("lagging")!.indexed).to.equal(0);
		expect(audit.QueryPlayer(7).expect().records.size()).to.equal(5);
		expect(other.QueryPlayer(7).expect().records.size()).to.equal(0);
		const report = other.PlayerReport(7).expect();
		expect(report.total).to.equal(5);
		expect(report.records!.every((r) => r.entry.players.includes(7))).to.equal(true);
		advance(900);
		expect(dataStoreWrites(`${STORE}.Players`).size()).to.equal(2);
		expect(other.QueryPlayer(7).expect().records.size()).to.equal(5);
		// Indexed and still pending at once on its own server: each entry once.
		play(audit, [7], 2);
		audit.Flush().expect();
		expect(audit.QueryPlayer(7).expect().records.size()).to.equal(7);
		expect(audit.PlayerReport(7).expect().total).to.equal(7);
	});

	it("ErasePlayer on another server erases the entries no index lists yet", () => {
		const holder = new AuditLogger({ bindToClose: false, streamId: "holder", indexInterval: 900 });
		holder.Log({ category: "data", type: "rename", players: [21], context: { note: "Carol Example" } });
		holder.Log({ category: "data", type: "rename", players: [22], context: { note: "Dan stays" } });
		holder.Flush().expect();
		expect(storedValue(`${STORE}.Players`, "21")).to.equal(undefined);
		const eraser = new AuditLogger({ bindToClose: false, streamId: "eraser" });
		expect(eraser.ErasePlayer(21, "ticket-2").expect().entries).to.equal(1);
		const batch = (storedValue(STORE, "holder/1") as { d: AuditBatch }).d;
		expect(batch.entries[0].erased).to.equal(true);
		expect(batch.entries[0].context).to.equal(undefined);
		expect(batch.entries[1].context!.note).to.equal("Dan stays");
		expect(eraser.VerifyAuditTrail().expect().ok).to.equal(true);
	});

	it("RecoverStreams writes the indexes a crashed server had not written and moves its watermark", () => {
		const crashed = new AuditLogger({ bindToClose: false, streamId: "crashed", indexInterval: 900 });
		play(crashed, [11, 12], 4);
		crashed.Flush().expect();
		// The server dies here: its batches are checkpointed, its player indexes never written.
		const seq = head("crashed")!.seq;
		expect(head("crashed")!.indexed).to.equal(0);
		advance(200);
		const rescuer = new AuditLogger({ bindToClose: false, streamId: "rescuer" });
		rescuer.RecoverStreams().expect();
		expect(head("crashed")!.indexed).to.equal(seq);
		const other = new AuditLogger({ bindToClose: false, streamId: "reader" });
		expect(other.QueryPlayer(11).expect().records.size()).to.equal(4);
		expect(other.QueryPlayer(12).expect().records.size()).to.equal(4);
		// Nothing left to do: a second pass writes nothing.
		const writes = dataStoreWrites(`${STORE}.Players`).size();
		rescuer.RecoverStreams().expect();
		expect(dataStoreWrites(`${STORE}.Players`).size()).to.equal(writes);
		expect(rescuer.VerifyAuditTrail().expect().ok).to.equal(true);
	});

	it("a crash at any write of a stream's first flush leaves no stored entry out of the reach of recovery", () => {
		// The first flush writes the empty checkpoint, the directory, the batch and its checkpoint. A batch
		// written before its stream was listed would be found by no recovery, index or erasure.
		for (let crashAt = 1; crashAt <= 4; crashAt++) {
			resetCloud();
			const crashed = new AuditLogger({
				bindToClose: false,
				warnings: false,
				streamId: `crashed${crashAt}`,
				dataAccessLayer: new DataAccessLayer({ warnings: false, dataStoreService: dyingAfter(crashAt) }),
			});
			crashed.Log({ category: "data", type: "rename", players: [31], context: { note: "Erin Example" } });
			task.spawn(() => crashed.Flush());
			advance(30);
			const stored = storedValue(STORE, `crashed${crashAt}/1`) !== undefined;
			const rescuer = new AuditLogger({ bindToClose: false, warnings: false, streamId: "rescuer" });
			rescuer.RecoverStreams(0).expect();
			const verdict = rescuer.VerifyAuditTrail().expect();
			expect(`${crashAt}: ${verdict.problems.map((p) => p.kind).join(" ")}`).to.equal(`${crashAt}: `);
			const reader = new AuditLogger({ bindToClose: false, warnings: false, streamId: "reader" });
			const found = reader.QueryPlayer(31).expect().records.size();
			expect(`${crashAt}: ${found}`).to.equal(`${crashAt}: ${stored ? 1 : 0}`);
			if (stored) {
				expect(reader.ErasePlayer(31, "ticket-3").expect().entries).to.equal(1);
				const batch = (storedValue(STORE, `crashed${crashAt}/1`) as { d: AuditBatch }).d;
				expect(batch.entries[0].context).to.equal(undefined);
			}
		}
	});
};
