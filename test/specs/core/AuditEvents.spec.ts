import { auditRefusals } from "server/sync/auditRefusals";
import { MemoryStateAuthority } from "server/sync/MemoryStateAuthority";
import { ServerStateSync } from "server/sync/ServerStateSync";
import { AuditBatch, AuditEntry, AuditLogger } from "shared/core/AuditLogger";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { PROTOCOL_VERSION } from "shared/protocol/Messages";
import { clearDataStoreFaults, resetCloud, storedValue } from "../harness/Cloud";
import { SPEC_DEFAULTS, specKeys } from "../sync/SyncFixture";

const STORE = "DataService.Audit";

/** The entries of a stream's batches, read raw from the cloud. */
function streamEntries(stream: string): Array<AuditEntry> {
	const out = new Array<AuditEntry>();
	for (let seq = 1; ; seq++) {
		const batch = (storedValue(STORE, `${stream}/${seq}`) as { d: AuditBatch } | undefined)?.d;
		if (batch === undefined) break;
		for (const entry of batch.entries) out.push(entry);
	}
	return out;
}

/** A logger whose layer reports to it, as DataService wires them. */
function wired(stream: string, minLevel: "debug" | "info" = "info") {
	const hook = { target: undefined as AuditLogger | undefined };
	const dal = new DataAccessLayer({ audit: (event) => hook.target?.GetDataAccessHook()(event) });
	const audit = new AuditLogger({ bindToClose: false, streamId: stream, dataAccessLayer: dal, minLevel });
	hook.target = audit;
	return { audit, dal };
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	it("records the DataAccessLayer's conflicts with their key, versions, strategy and fields", () => {
		const { audit, dal } = wired("conflicts");
		const ref = { store: "Occ", key: "k" };
		dal.write(ref, { a: 1, b: 1 }).expect();
		dal.write(ref, { a: 1, b: 5 }).expect();
		dal.updateVersioned(ref, 1, { a: 2, b: 9 }, { strategy: "merge" }).expect();
		audit.Flush().expect();
		const conflicts = streamEntries("conflicts").filter((e) => e.type === "conflict");
		expect(conflicts.size()).to.equal(1);
		const c = conflicts[0];
		expect(c.category).to.equal("data");
		expect(c.level).to.equal("warning");
		expect(c.context!.expectedVersion).to.equal(1);
		expect(c.context!.actualVersion).to.equal(2);
		expect(c.context!.strategy).to.equal("merge");
		expect((c.context!.fields as Array<string>)[0]).to.equal("b");
	});

	it("records requests the RequestScheduler held back for budget as throttling, with the seconds waited", () => {
		const { audit, dal } = wired("throttle");
		const promises = new Array<Promise<unknown>>();
		for (let i = 0; i < 300; i++) promises.push(dal.write({ store: "Burst", key: `k${i}` }, i));
		Promise.allSettled(promises).expect();
		audit.Flush().expect();
		const throttled = streamEntries("throttle").filter((e) => e.type === "throttled");
		expect(throttled.size() > 0).to.equal(true);
		expect(throttled[0].category).to.equal("performance");
		expect(throttled[0].level).to.equal("warning");
		expect((throttled[0].context!.seconds as number) > 0).to.equal(true);
		expect(throttled[0].context!.priority).to.equal("normal");
	});

	it("records what LogSecurityEvent is given, at warning unless told", () => {
		const audit = new AuditLogger({ bindToClose: false, streamId: "security" });
		audit.LogSecurityEvent("accessDenied", [4], { action: "ban" });
		audit.LogSecurityEvent("accessGranted", [4, 5], { action: "view" }, "info");
		audit.Flush().expect();
		const [denied, granted] = streamEntries("security");
		expect(denied.level).to.equal("warning");
		expect(denied.context!.action).to.equal("ban");
		expect(granted.level).to.equal("info");
		expect(granted.players.join(",")).to.equal("4,5");
	});

	it("records refused client payloads, one entry per player and reason per interval with what it suppressed", () => {
		const audit = new AuditLogger({ bindToClose: false, streamId: "refusals" });
		const clock = { t: 0 };
		const sync = new ServerStateSync({
			send: () => undefined,
			authority: new MemoryStateAuthority({ defaults: SPEC_DEFAULTS }),
			keys: specKeys(),
			flood: { rate: 1000, burst: 1000 },
			now: () => clock.t,
			onReject: auditRefusals(
				(eventType, players, context) => audit.LogSecurityEvent(eventType, players, context),
				10,
				() => clock.t,
			),
		});
		const player = { Name: "P", UserId: 77 } as unknown as Player;
		const propose = (id: number) => ({
			type: "propose",
			v: PROTOCOL_VERSION,
			id,
			key: "admin",
			value: true,
			base: 0,
		});
		for (let i = 1; i <= 50; i++) sync.receive(player, propose(i));
		sync.receive(player, "not a message");
		clock.t = 11;
		sync.receive(player, propose(51));
		audit.Flush().expect();
		const refused = streamEntries("refusals");
		// 51 proposals of one reason: the first, then the one after the interval (49 suppressed); the malformed one.
		expect(refused.size()).to.equal(3);
		expect(refused.every((e) => e.type === "refusedPayload" && e.category === "security")).to.equal(true);
		expect(refused[0].players[0]).to.equal(77);
		expect(refused[0].context!.suppressed).to.equal(0);
		expect(refused[2].context!.suppressed).to.equal(49);
		expect(refused[0].context!.reason).to.equal(refused[2].context!.reason);
		expect(refused[1].context!.reason).never.to.equal(refused[0].context!.reason);
	});
};
