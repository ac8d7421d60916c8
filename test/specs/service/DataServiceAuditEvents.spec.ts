import { AuditBatch, AuditEntry, AuditLogger } from "shared/core/AuditLogger";
import { dataStoreWrites, storedValue } from "../harness/Cloud";
import { freshWorld, rejection, serviceServer, stopServers } from "./support";

const STORE = "DataService.Audit";

/** Every entry the trail holds, read raw from the cloud, in write order. */
function entries(): Array<AuditEntry> {
	const seen = new Set<string>();
	const out = new Array<AuditEntry>();
	for (const write of dataStoreWrites(STORE)) {
		if (seen.has(write.key)) continue;
		seen.add(write.key);
		for (const entry of (storedValue(STORE, write.key) as { d: AuditBatch }).d.entries) out.push(entry);
	}
	return out;
}

function ofType(wanted: string): Array<AuditEntry> {
	return entries().filter((e) => e.type === wanted);
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("keeps a gift's amounts and the game's source in the entry instead of dropping the table", () => {
		const { server, service } = serviceServer({ enableAuditing: true });
		service.LoadPlayerData(9301).expect();
		service.IncrementPlayerData(9301, { coins: 50 }, { source: "quest", questId: "q7" }).expect();
		service.SendGift(9301, 9302, { coins: 20 }, { source: "shop", offerId: "gift-1" }).expect();
		expect(server.shutdown()).to.equal("completed");
		const gift = ofType("gift")[0];
		expect(gift.context!.source).to.equal("shop");
		expect(gift.context!.offerId).to.equal("gift-1");
		expect(gift.context!.to).to.equal(9302);
		expect((gift.context!.amounts as { coins: number }).coins).to.equal(20);
		const quest = ofType("update")[0];
		expect(quest.context!.questId).to.equal("q7");
		// Quick operations leave no performance entry.
		expect(ofType("slowOperation").size()).to.equal(0);
	});

	it("records a game's LogSecurityEvent, a refused change and a failed operation with their players", () => {
		const { server, service } = serviceServer({ enableAuditing: true });
		service.LoadPlayerData(9311).expect();
		service.AddStage({
			name: "noGems",
			slot: "consistency",
			check: (change) =>
				change.sides.some((s) => (s.after as { gems: number }).gems > 0) ? { reason: "no gems" } : undefined,
		});
		service.LogSecurityEvent("accessDenied", [9311], { action: "GrantAdmin", target: 42 });
		expect(rejection(service.IncrementPlayerData(9311, { gems: 1 })).kind).to.equal("Refused");
		expect(rejection(service.UpdatePlayerData(9312, { coins: 1 })).kind).to.equal("NotLoaded");
		expect(server.shutdown()).to.equal("completed");
		const denied = ofType("accessDenied");
		expect(denied.size()).to.equal(1);
		expect(denied[0].category).to.equal("security");
		expect(denied[0].level).to.equal("warning");
		expect(denied[0].players[0]).to.equal(9311);
		expect(denied[0].context!.target).to.equal(42);
		const refused = ofType("refusedChange");
		expect(refused.size()).to.equal(1);
		expect(refused[0].category).to.equal("security");
		expect(refused[0].context!.operation).to.equal("IncrementPlayerData");
		const failed = ofType("NotLoaded");
		expect(failed.size()).to.equal(1);
		expect(failed[0].category).to.equal("error");
		expect(failed[0].players[0]).to.equal(9312);
		expect(failed[0].context!.operation).to.equal("UpdatePlayerData");
		// The refused change wrote nothing: no data entry for it.
		expect(
			entries()
				.filter((e) => e.category === "data" && e.type === "update")
				.size(),
		).to.equal(0);
	});

	it("records the takeover of a crashed holder's session as a security event, and the slow load it made", () => {
		const a = serviceServer({ enableAuditing: true });
		a.service.LoadPlayerData(9321).expect();
		a.server.crash();
		// An ordinary load takes under a second; waiting out a dead holder's heartbeat (it lives 6 s) takes longer.
		const logger = new AuditLogger({ bindToClose: false, streamId: "steal", slowOperationSeconds: 3 });
		const b = serviceServer({ enableAuditing: true }, { auditLogger: logger });
		b.service.LoadPlayerData(9321).expect();
		logger.Flush().expect();
		const steals = ofType("sessionSteal");
		expect(steals.size()).to.equal(1);
		expect(steals[0].players[0]).to.equal(9321);
		expect(steals[0].category).to.equal("security");
		// Waiting out the dead holder's heartbeat made that load slower than slowOperationSeconds.
		const slow = ofType("slowOperation");
		expect(slow.size()).to.equal(1);
		expect(slow[0].category).to.equal("performance");
		expect(slow[0].context!.operation).to.equal("LoadPlayerData");
		expect((slow[0].context!.seconds as number) > 3).to.equal(true);
	});
};
