import { AuditBatch, AuditLogger, AuditedChange } from "shared/core/AuditLogger";
import { advance, clearDataStoreFaults, dataStoreWrites, resetCloud, stored, storedValue } from "../harness/Cloud";

const EncodingService = game.GetService("EncodingService");
const STORE = "DataService.Audit";

function sha256(text: string): string {
	const digest = EncodingService.ComputeStringHash(text, Enum.HashAlgorithm.Sha256);
	const [hex] = string.gsub(digest, ".", (c: string) => string.format("%02x", string.byte(c)[0]));
	return hex;
}

function change(id: string, playerId: number, before: object, after: object, context: object = {}): AuditedChange {
	return {
		id,
		kind: "update",
		sides: [{ playerId, before, after }],
		context: context as Record<string, unknown>,
		refusable: true,
	};
}

/** The batch stored under `<stream>/<seq>`, read raw from the cloud (no budget, no DataAccessLayer). */
function rawBatch(stream: string, seq: number): AuditBatch | undefined {
	return (storedValue(STORE, `${stream}/${seq}`) as { d: AuditBatch } | undefined)?.d;
}

/** Every character the trail's three stores hold for this logger and these players. */
function rawTrail(stream: string, players: Array<number>): string {
	const parts = new Array<string>();
	for (let seq = 1; ; seq++) {
		const entry = stored(STORE, `${stream}/${seq}`);
		if (entry === undefined) break;
		parts.push(entry.json);
	}
	parts.push(stored(`${STORE}.Heads`, stream)?.json ?? "");
	parts.push(stored(`${STORE}.Heads`, "streams")?.json ?? "");
	for (const player of players) parts.push(stored(`${STORE}.Players`, tostring(player))?.json ?? "");
	return parts.join("\n");
}

function contains(haystack: string, needle: string): boolean {
	return haystack.find(needle, 1, true)[0] !== undefined;
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	describe("entries", () => {
		it("records a change's kind, players, id, context and each touched field's before and after", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "entries" });
			audit.LogChange(
				change(
					"c1",
					7,
					{ coins: 0, inventory: { sword: 1 } },
					{ coins: 100, inventory: { sword: 1, bow: 1 } },
					{
						source: "quest",
						questId: "daily",
					},
				),
			);
			audit.Log({ category: "security", type: "refusedPayload", level: "warning", players: [7], message: "NaN" });
			audit.Flush().expect();
			const batch = rawBatch("entries", 1)!;
			expect(batch.entries.size()).to.equal(2);
			const [data, security] = [batch.entries[0], batch.entries[1]];
			expect(data.category).to.equal("data");
			expect(data.type).to.equal("update");
			expect(data.level).to.equal("info");
			expect(data.change).to.equal("c1");
			expect(data.players[0]).to.equal(7);
			expect(data.context!.source).to.equal("quest");
			expect(data.context!.questId).to.equal("daily");
			expect(typeIs(data.time, "number")).to.equal(true);
			const byPath = new Map<string, { before?: unknown; after?: unknown }>();
			for (const c of data.changes!) byPath.set(c.path, c);
			expect(data.changes!.size()).to.equal(2);
			expect(byPath.get("coins")!.before).to.equal(0);
			expect(byPath.get("coins")!.after).to.equal(100);
			expect(byPath.get("inventory.bow")!.before).to.equal(undefined);
			expect(byPath.get("inventory.bow")!.after).to.equal(1);
			expect(security.category).to.equal("security");
			expect(security.level).to.equal("warning");
			expect(security.message).to.equal("NaN");
		});

		it("refuses an unknown category or level at once, naming the field and the value", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "misuse" });
			const [ok, err] = pcall(() => audit.Log({ category: "gossip" as never, type: "x" }));
			expect(ok).to.equal(false);
			expect(
				contains(tostring(err), "category must be data, security, performance or error, got string gossip"),
			).to.equal(true);
			const [ok2, err2] = pcall(() => audit.Log({ category: "data", type: "x", level: "loud" as never }));
			expect(ok2).to.equal(false);
			expect(contains(tostring(err2), "got loud")).to.equal(true);
			expect(audit.GetStats().logged).to.equal(0);
		});

		it("drops entries below minLevel and counts them", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "levels", minLevel: "warning" });
			audit.Log({ category: "performance", type: "tick", level: "info" });
			audit.Log({ category: "error", type: "saveFailed", level: "error" });
			audit.Flush().expect();
			expect(rawBatch("levels", 1)!.entries.size()).to.equal(1);
			expect(audit.GetStats().dropped).to.equal(1);
		});

		it("keeps only the changed paths of an entry longer than maxEntryChars", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "big", maxEntryChars: 200 });
			audit.LogChange(change("c", 1, { blob: "" }, { blob: string.rep("x", 500) }));
			audit.Flush().expect();
			const entry = rawBatch("big", 1)!.entries[0];
			expect(entry.changes).to.equal(undefined);
			expect(entry.changedPaths![0]).to.equal("1:blob");
		});
	});

	describe("redaction", () => {
		const SECRET_EMAIL = "alice@example.com";
		const SECRET_STREET = "1 Secret Street";
		const SECRET_IP = "10.1.2.3";
		const log = (audit: AuditLogger) => {
			audit.LogChange(
				change(
					"r1",
					11,
					{ coins: 0, email: "old@example.com" },
					{ coins: 5, email: SECRET_EMAIL, profile: { address: SECRET_STREET, city: "Lyon" } },
					{ source: "signup", ip: SECRET_IP },
				),
			);
			audit.Log({ category: "security", type: "login", players: [11], context: { ip: SECRET_IP } });
			audit.Close().expect();
		};
		const SENSITIVE = ["email", "profile.address", "context.ip"];

		it("stores sensitive fields, nested ones and sensitive context keys only as SHA-256 hashes", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "hashed", sensitivePaths: SENSITIVE });
			log(audit);
			const raw = rawTrail("hashed", [11]);
			for (const secret of [SECRET_EMAIL, SECRET_STREET, SECRET_IP, "old@example.com"]) {
				expect(contains(raw, secret)).to.equal(false);
			}
			// Hashed, so equal values stay comparable: the hash of the canonical JSON of the value.
			expect(contains(raw, `sha256:${sha256(`"${SECRET_EMAIL}"`)}`)).to.equal(true);
			expect(contains(raw, `sha256:${sha256(`"${SECRET_IP}"`)}`)).to.equal(true);
			// What is not sensitive is kept in clear.
			expect(contains(raw, "Lyon")).to.equal(true);
			expect(contains(raw, "signup")).to.equal(true);
		});

		it("stores them as [redacted] in redact mode", () => {
			const audit = new AuditLogger({
				bindToClose: false,
				streamId: "redacted",
				sensitivePaths: SENSITIVE,
				redaction: "redact",
			});
			log(audit);
			const raw = rawTrail("redacted", [11]);
			for (const secret of [SECRET_EMAIL, SECRET_STREET, SECRET_IP])
				expect(contains(raw, secret)).to.equal(false);
			expect(contains(raw, "[redacted]")).to.equal(true);
			expect(contains(raw, "sha256:")).to.equal(false);
		});

		it("matches any key where a sensitive path says *", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "wild", sensitivePaths: ["friends.*.name"] });
			audit.LogChange(change("w", 3, { friends: {} }, { friends: { a: { name: "Bob", since: 5 } } }));
			audit.Flush().expect();
			const raw = rawTrail("wild", [3]);
			expect(contains(raw, "Bob")).to.equal(false);
			expect(contains(raw, "since")).to.equal(true);
		});
	});

	describe("batching", () => {
		it("writes at most one batch per minute at normal volume, and nothing is lost at Close", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "paced" });
			// 600 entries over 10 minutes from 5 players: one every second.
			for (let i = 0; i < 600; i++) {
				audit.Log({ category: "performance", type: "tick", players: [(i % 5) + 1] });
				advance(1);
				// The first batch waits a full interval after the first entry.
				if (i === 58) expect(dataStoreWrites(STORE).size()).to.equal(0);
			}
			audit.Close().expect();
			const writes = dataStoreWrites(STORE);
			// 10 minutes give at most 10 timed flushes (each starts 60 s after the previous one ended, so fewer
			// as the latency of each flush's requests adds up), plus the one at Close.
			expect(writes.size() <= 11).to.equal(true);
			expect(writes.size() >= 9).to.equal(true);
			for (let i = 1; i < writes.size() - 1; i++)
				expect(writes[i].time - writes[i - 1].time >= 59.9).to.equal(true);
			let total = 0;
			for (let seq = 1; seq <= writes.size(); seq++) total += rawBatch("paced", seq)!.entries.size();
			expect(total).to.equal(600);
			expect(audit.GetStats().buffered).to.equal(0);
			// Per flush: one batch and one checkpoint; before the first batch, the empty checkpoint and the
			// directory; at Close one more checkpoint (its index watermark) and, 10 minutes being under
			// indexInterval (900 s), each player's index once.
			expect(dataStoreWrites(`${STORE}.Heads`).size()).to.equal(writes.size() + 3);
			expect(dataStoreWrites(`${STORE}.Players`).size()).to.equal(5);
		});

		it("flushes at once when the buffer reaches maxBatchEntries, and loses only the buffer in a crash", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "sized", maxBatchEntries: 10 });
			for (let i = 0; i < 25; i++) audit.Log({ category: "data", type: "x", players: [1] });
			advance(5);
			expect(rawBatch("sized", 1)!.entries.size()).to.equal(10);
			expect(rawBatch("sized", 2)!.entries.size()).to.equal(10);
			expect(rawBatch("sized", 3)).to.equal(undefined);
			// A crash now (the logger abandoned) loses exactly the 5 buffered entries.
			expect(audit.GetStats().buffered).to.equal(5);
			advance(61);
			expect(rawBatch("sized", 3)!.entries.size()).to.equal(5);
		});
	});

	describe("query", () => {
		it("pages through a player's entries in a time range from their {UserId} index key", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "query" });
			const started = DateTime.now().UnixTimestampMillis / 1000;
			for (let i = 1; i <= 12; i++) {
				audit.Log({
					category: i % 3 === 0 ? "security" : "data",
					type: `t${i}`,
					players: [i % 2 === 0 ? 42 : 43],
				});
				advance(20);
			}
			audit.Close().expect();
			expect(storedValue(`${STORE}.Players`, "42") !== undefined).to.equal(true);
			const seen = new Array<string>();
			let page = audit.QueryPlayer(42, { limit: 2 }).expect();
			let pages = 1;
			for (const r of page.records) seen.push(r.entry.type);
			while (page.next !== undefined) {
				page = audit.QueryPlayer(42, { limit: 2, cursor: page.next }).expect();
				pages += 1;
				for (const r of page.records) seen.push(r.entry.type);
			}
			expect(seen.join(",")).to.equal("t2,t4,t6,t8,t10,t12");
			expect(pages).to.equal(3);
			const ranged = audit.QueryPlayer(42, { from: started + 50, to: started + 150 }).expect();
			expect(ranged.records.map((r) => r.entry.type).join(",")).to.equal("t4,t6,t8");
			const security = audit.QueryPlayer(42, { category: "security" }).expect();
			expect(security.records.map((r) => r.entry.type).join(",")).to.equal("t6,t12");
			expect(audit.QueryPlayer(43, {}).expect().records.size()).to.equal(6);
		});
	});

	describe("erasure", () => {
		it("ErasePlayer removes a player's content and index while the trail still verifies", () => {
			const audit = new AuditLogger({ bindToClose: false, streamId: "erase" });
			audit.LogChange(change("e1", 5, { name: "" }, { name: "Alice Example" }, { source: "rename" }));
			audit.Log({ category: "data", type: "keep", players: [6], context: { note: "Bob stays" } });
			audit.Flush().expect();
			audit.LogChange(change("e2", 5, { coins: 0 }, { coins: 3 }, { questId: "alice-quest" }));
			// Still buffered: ErasePlayer flushes first, so it is erased too.
			const result = audit.ErasePlayer(5, "ticket-1").expect();
			expect(result.entries).to.equal(2);
			expect(result.batches).to.equal(2);
			const raw = rawTrail("erase", [5, 6]);
			expect(contains(raw, "Alice Example")).to.equal(false);
			expect(contains(raw, "alice-quest")).to.equal(false);
			expect(contains(raw, "Bob stays")).to.equal(true);
			expect(storedValue(`${STORE}.Players`, "5")).to.equal(undefined);
			expect(audit.QueryPlayer(5).expect().records.size()).to.equal(0);
			expect(audit.QueryPlayer(6).expect().records.size()).to.equal(1);
			const verdict = audit.VerifyAuditTrail().expect();
			expect(verdict.ok).to.equal(true);
			expect(verdict.erased).to.equal(2);
			const last = rawBatch("erase", 3)!.entries[0];
			expect(last.type).to.equal("erasure");
			expect(last.context!.request).to.equal("ticket-1");
			expect(last.players.size()).to.equal(0);
		});
	});
};
