import { HttpService } from "@rbxts/services";
import { AuditLogger, AuditRecord } from "shared/core/AuditLogger";
import { clearDataStoreFaults, resetCloud, storedValue } from "../harness/Cloud";

const DAY = 86400;

/** Two servers' streams over one clock: a logs at t, b at t + 1, entries of three categories. */
function twoStreams(clock: { t: number }) {
	const a = new AuditLogger({ bindToClose: false, streamId: "a", clock: () => clock.t });
	const b = new AuditLogger({ bindToClose: false, streamId: "b", clock: () => clock.t });
	for (let i = 0; i < 6; i++) {
		clock.t += 10;
		a.Log({ category: "data", type: "update", players: [1], context: { i } });
		a.LogSecurityEvent("accessDenied", [1], { i });
		clock.t += 1;
		b.Log({ category: "performance", type: "slowOperation", level: "warning", players: [2], context: { i } });
		b.LogSecurityEvent("refusedPayload", [2, 1], { i }, "error");
		if (i % 2 === 1) {
			a.Flush().expect();
			b.Flush().expect();
		}
	}
	return { a, b };
}

function all(pages: (cursor?: string) => { records: ReadonlyArray<AuditRecord>; next?: string }) {
	const out = new Array<AuditRecord>();
	let cursor: string | undefined;
	let pagesRead = 0;
	do {
		const page = pages(cursor);
		for (const r of page.records) out.push(r);
		cursor = page.next;
		pagesRead += 1;
	} while (cursor !== undefined && pagesRead < 100);
	return { records: out, pages: pagesRead };
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	it("pages through every stream by time range, category and level, each entry once", () => {
		const clock = { t: 1000 };
		const { a } = twoStreams(clock);
		const security = all((cursor) => a.QueryRange({ category: "security", limit: 2, cursor }).expect());
		expect(security.records.size()).to.equal(12);
		expect(security.pages).to.equal(6);
		const seen = new Set(security.records.map((r) => `${r.stream}/${r.seq}/${r.index}`));
		expect(seen.size()).to.equal(12);
		const errors = all((cursor) => a.QueryRange({ level: "error", limit: 4, cursor }).expect());
		expect(errors.records.size()).to.equal(6);
		expect(errors.records.every((r) => r.entry.type === "refusedPayload")).to.equal(true);
		// Entries 3 and 4 of each kind: from the third round's first entry to the fourth round's last.
		const window = all((cursor) => a.QueryRange({ from: 1031, to: 1044, limit: 3, cursor }).expect());
		expect(window.records.size()).to.equal(8);
		expect(window.records.every((r) => r.entry.time >= 1031 && r.entry.time <= 1044)).to.equal(true);
	});

	it("reports everything about a player with counts, security events and a JSON-lines export", () => {
		const clock = { t: 1000 };
		const { a } = twoStreams(clock);
		const report = a.PlayerReport(1).expect();
		// Player 1: 6 updates and 6 denials of its own, and 6 refused payloads naming it with player 2.
		expect(report.total).to.equal(18);
		expect(report.byCategory.data).to.equal(6);
		expect(report.byCategory.security).to.equal(12);
		expect(report.byCategory.performance).to.equal(0);
		expect(report.byType["security:accessDenied"]).to.equal(6);
		expect(report.byLevel.error).to.equal(6);
		expect(report.securityEvents.size()).to.equal(12);
		const lines = a.ExportJsonLines(report.records!).split("\n");
		expect(lines.size()).to.equal(19);
		expect(lines[18]).to.equal("");
		for (let i = 0; i < 18; i++) {
			const row = HttpService.JSONDecode(lines[i]) as {
				stream: string;
				seq: number;
				index: number;
				players: Array<number>;
			};
			expect(row.players.includes(1)).to.equal(true);
			expect(typeIs(row.seq, "number") && typeIs(row.index, "number")).to.equal(true);
		}
	});

	it("counts a period by category and level, with its security events", () => {
		const clock = { t: 1000 };
		const { a } = twoStreams(clock);
		const period = a.PeriodReport({ from: 1000, to: 1033 }).expect();
		// Three rounds (t = 1010 .. 1033): 3 of each of the four entries.
		expect(period.total).to.equal(12);
		expect(period.byCategory.security).to.equal(6);
		expect(period.byCategory.performance).to.equal(3);
		expect(period.byLevel.warning).to.equal(6);
		expect(period.securityEvents.size()).to.equal(6);
	});

	it("deletes streams past retention within a request budget per call, and the trail still verifies", () => {
		const clock = { t: 1000 };
		twoStreams(clock);
		clock.t += 100 * DAY;
		const fresh = new AuditLogger({ bindToClose: false, streamId: "fresh", clock: () => clock.t });
		fresh.Log({ category: "data", type: "update", players: [3] });
		fresh.Flush().expect();
		let calls = 0;
		let batches = 0;
		for (;;) {
			calls += 1;
			const pass = fresh.CleanupRetention(4).expect();
			// The first pass reads 2 documents and 2 checkpoints and retires 2 streams before it counts; a later
			// one ends at most 3 requests past the budget (a checkpoint removal, its bookkeeping, a resume mark).
			expect(pass.requests <= (calls === 1 ? 8 : 4 + 3)).to.equal(true);
			batches += pass.batches;
			if (pass.done || calls > 50) break;
		}
		expect(calls > 1).to.equal(true);
		// Three flushes per old stream, and the ones these cleanup entries made are fresh.
		expect(batches).to.equal(6);
		expect(storedValue("DataService.Audit", "a/1")).to.equal(undefined);
		expect(storedValue("DataService.Audit", "b/3")).to.equal(undefined);
		expect(storedValue("DataService.Audit.Heads", "a")).to.equal(undefined);
		expect(storedValue("DataService.Audit", "fresh/1")).never.to.equal(undefined);
		const verdict = fresh.VerifyAuditTrail().expect();
		expect(verdict.ok).to.equal(true);
		expect(verdict.streams).to.equal(1);
		const cleanups = fresh.QueryRange({ type: "retentionCleanup" }).expect().records;
		expect(cleanups.size()).to.equal(2);
	});
};
