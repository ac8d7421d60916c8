import type { AuditBatch, AuditEntry } from "shared/core/AuditLogger";
import { dataStoreWrites, storedValue } from "../harness/Cloud";
import { freshWorld, serviceServer, stopServers } from "./support";

const STORE = "DataService.Audit";

/** Every batch the trail holds, read raw from the cloud, in write order (one stream per server here). */
function batches(): Array<AuditBatch> {
	const seen = new Set<string>();
	const out = new Array<AuditBatch>();
	for (const write of dataStoreWrites(STORE)) {
		if (seen.has(write.key)) continue;
		seen.add(write.key);
		out.push((storedValue(STORE, write.key) as { d: AuditBatch }).d);
	}
	return out;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("enableAuditing records every change of the write pipeline once, with the game's context, flushed at shutdown", () => {
		const { server, service } = serviceServer({ enableAuditing: true });
		service.LoadPlayerData(9201).expect();
		service.LoadPlayerData(9202).expect();
		service
			.UpdatePlayerData(9201, (d) => ({ ...d, coins: d.coins + 100 }), { source: "quest", questId: "daily" })
			.expect();
		service.IncrementPlayerData(9202, { gems: 5 }, { source: "purchase" }).expect();
		service
			.Trade(9201, 9202, (a, b) => [
				{ ...a, coins: a.coins - 10 },
				{ ...b, coins: b.coins + 10 },
			])
			.expect();
		// Nothing is written before the first minute is over.
		expect(dataStoreWrites(STORE).size()).to.equal(0);
		expect(server.shutdown()).to.equal("completed");
		const entries = new Array<AuditEntry>();
		for (const batch of batches()) for (const entry of batch.entries) entries.push(entry);
		const kinds = entries.map((e) => `${e.type}:${e.players.join("+")}`);
		expect(kinds.join(",")).to.equal("update:9201,update:9202,trade:9201+9202");
		const quest = entries[0];
		expect(quest.context!.source).to.equal("quest");
		expect(quest.context!.questId).to.equal("daily");
		expect(quest.changes![0].path).to.equal("coins");
		expect(quest.changes![0].before).to.equal(0);
		expect(quest.changes![0].after).to.equal(100);
		expect(entries[2].changes!.size()).to.equal(2);
	});
};
