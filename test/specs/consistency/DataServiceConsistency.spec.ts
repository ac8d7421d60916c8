import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { canonicalJson } from "shared/core/dal/Canonical";
import { storedValue } from "../harness/Cloud";
import { freshWorld, rejection, savedData, stopServers } from "../service/support";
import { ITEM_TEMPLATE, ItemData, itemServer, newestBackup, rewriteStored, seedSword } from "./support";

function stored(userId: number): ItemData {
	return savedData(userId) as unknown as ItemData;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("repairs corrupt stored data on load after an emergency backup that restores it byte for byte", () => {
		seedSword(7001, "u1");
		rewriteStored(7001, (data) => {
			data.level = 5000;
			data.inventory = { dragon: 2, sword: 1 };
			data.items = [
				{ id: "u1", item: "sword" },
				{ id: "u1", item: "sword" },
			];
			data.hacked = true;
			data.equipped = "ghost";
		});
		const corrupt = canonicalJson(stored(7001));
		const { service } = itemServer();
		const data = service.LoadPlayerData(7001).expect() as unknown as ItemData;
		expect(data.level).to.equal(100);
		expect(data.inventory.dragon).to.equal(undefined);
		expect(data.inventory.sword).to.equal(1);
		expect(data.items.size()).to.equal(1);
		expect((data as unknown as { hacked?: boolean }).hacked).to.equal(undefined);
		expect(data.equipped).to.equal("");
		const backup = newestBackup(service, 7001);
		expect(backup.kind).to.equal("emergency");
		expect(backup.json).to.equal(corrupt);
		expect(service.RunConsistencyCheck(7001).expect().ok).to.equal(true);
	});

	it("repairs nothing and refuses the load when no backup can be taken, leaving the data stored", () => {
		seedSword(7002, "u2");
		rewriteStored(7002, (data) => (data.level = 5000));
		const { service } = itemServer({ enableBackups: false });
		const err = rejection(service.LoadPlayerData(7002));
		expect(err.kind).to.equal("InvalidData");
		expect(err.message.find("level")[0] !== undefined).to.equal(true);
		task.wait(3);
		expect(stored(7002).level).to.equal(5000);
	});

	it("quarantines data beyond repair and refuses the load, the stored profile left as it was", () => {
		seedSword(7003, "u3");
		rewriteStored(7003, (data) => (data.items = [{ id: "q" }]));
		const { service } = itemServer();
		const err = rejection(service.LoadPlayerData(7003));
		expect(err.kind).to.equal("Quarantined");
		expect(err.message.find("items%[0%]%.item")[0] !== undefined).to.equal(true);
		task.wait(3);
		expect((stored(7003).items[0] as { item?: string }).item).to.equal(undefined);
		const record = storedValue("DataService.Quarantine", "7003") as {
			d: { incidents: Array<{ version?: string; data: ItemData }> };
		};
		expect(record.d.incidents.size()).to.equal(1);
		expect(record.d.incidents[0].version !== undefined).to.equal(true);
		expect(record.d.incidents[0].data.items[0].id).to.equal("q");
	});

	it("gives a fresh profile when the game says so, keeping the quarantined copy apart and releasable", () => {
		seedSword(7004, "u4");
		rewriteStored(7004, (data) => (data.items = [{ id: "q" }]));
		const { service } = itemServer({ consistency: { onQuarantine: "fresh" } });
		const data = service.LoadPlayerData(7004).expect() as unknown as ItemData;
		expect(canonicalJson(data)).to.equal(canonicalJson(ITEM_TEMPLATE));
		const quarantine = service.GetConsistencyChecker()!.GetQuarantine();
		const incident = quarantine.read(7004)!.incidents[0];
		expect(incident.data !== undefined).to.equal(true);
		const released = service.ReleaseQuarantine(7004, incident.id).expect();
		expect(released.released !== undefined).to.equal(true);
		expect((quarantine.read(7004)!.incidents[0].data as ItemData).items[0].id).to.equal("q");
		expect(rejection(service.ReleaseQuarantine(7004, "nope")).kind).to.equal("InvalidArgument");
	});

	it("detects the classic dupe: a stale server's save after the item moved on", () => {
		seedSword(7005, "dupe");
		const first = itemServer();
		first.service.LoadPlayerData(7006).expect();
		first.service.LoadPlayerData(7005).expect();
		// The sword moves to 7006 in a trade on this server; the index follows it.
		first.service
			.Trade(7005, 7006, (a, b) => {
				const sword = (a as unknown as ItemData).items[0];
				return [{ ...a, items: [], equipped: "" } as never, { ...b, items: [sword] } as never];
			})
			.expect();
		task.wait(2);
		first.service.ReleasePlayer(7005).expect();
		// Long enough for the trade's inbox snapshots to be claimed and removed (with them still there, the
		// load applies the newer snapshot and undoes the stale save by itself).
		task.wait(40);
		// A stale save of 7005 from before the trade lands after the hop.
		rewriteStored(7005, (data) => (data.items = [{ id: "dupe", item: "sword" }]));
		const second = itemServer();
		second.service.LoadPlayerData(7005).expect();
		// 7006 got the sword moments ago and its profile may not be saved yet: the duplicate is confirmed
		// once its auto-save shows the sword (the recheck), so the check after that reports it.
		task.wait(100);
		const report = second.service.RunConsistencyCheck(7005).expect();
		const dupe = report.issues.find((i) => i.kind === "duplicateItem");
		expect(dupe !== undefined).to.equal(true);
		expect(dupe!.value).to.equal(7006);
		expect(second.service.GetConsistencyChecker()!.GetStatistics().duplicates >= 1).to.equal(true);
		// The rightful holder is not flagged.
		const holder = first.service.RunConsistencyCheck(7006).expect();
		expect(holder.issues.size()).to.equal(0);
	});

	it("finds an item id held by two offline players with the offline scan, within its request budget", () => {
		seedSword(7010, "shared");
		seedSword(7011, "other");
		seedSword(7012, "third");
		rewriteStored(7011, (data) => (data.items = [{ id: "shared", item: "sword" }]));
		const { service } = itemServer();
		let pass = service.ScanForDuplicates({ budget: 3 }).expect();
		expect(pass.requests <= 3).to.equal(true);
		let passes = 1;
		while (pass.cursor !== undefined) {
			pass = service.ScanForDuplicates({ budget: 3, cursor: pass.cursor }).expect();
			expect(pass.requests <= 3).to.equal(true);
			passes += 1;
		}
		// A budget of 3 reads pages of 2 keys (1 listing + 2 reads): 3 players take 2 passes.
		expect(passes).to.equal(2);
		expect(pass.duplicates.size()).to.equal(1);
		expect(pass.duplicates[0].itemId).to.equal("shared");
		expect(pass.duplicates[0].holders.size()).to.equal(2);
		expect(pass.duplicates[0].holders.includes(7010)).to.equal(true);
		expect(pass.duplicates[0].holders.includes(7011)).to.equal(true);
		expect(service.GetConsistencyChecker()!.GetStatistics().duplicates).to.equal(2);
	});

	it("refuses a change that equips an item the player does not own", () => {
		const { service } = itemServer();
		service.LoadPlayerData(7007).expect();
		const err = rejection(service.UpdatePlayerData(7007, { equipped: "ghost" } as never));
		expect(err.kind).to.equal("Refused");
		expect(err.message.find("equipped")[0] !== undefined).to.equal(true);
	});

	it("checks a changing player on schedule", () => {
		const { service } = itemServer({ consistency: { checkInterval: 30 } });
		service.LoadPlayerData(7008).expect();
		const before = service.GetStatistics().service.consistencyChecks;
		for (let i = 1; i <= 5; i++) {
			service.IncrementPlayerData(7008, { coins: 1 }).expect();
			task.wait(19);
		}
		expect(service.GetStatistics().service.consistencyChecks - before >= 2).to.equal(true);
	});

	it("skips an idle player its last check found clean (no check, no inbox read), and checks again after a change", () => {
		const { service } = itemServer({ consistency: { checkInterval: 30 } });
		service.LoadPlayerData(7009).expect();
		// The first scheduled check reads the inbox (the load's check did not) and finds nothing.
		task.wait(35);
		const before = service.GetStatistics().service.consistencyChecks;
		task.wait(95);
		expect(service.GetStatistics().service.consistencyChecks).to.equal(before);
		service.IncrementPlayerData(7009, { coins: 1 }).expect();
		task.wait(35);
		expect(service.GetStatistics().service.consistencyChecks).to.equal(before + 1);
	});

	it("skips an idle player from the load on when its inbox was empty and the load's check clean", () => {
		const { service } = itemServer({ consistency: { checkInterval: 30 }, checkConsistencyOnRead: true });
		service.LoadPlayerData(7010).expect();
		const before = service.GetStatistics().service.consistencyChecks;
		task.wait(95);
		expect(service.GetStatistics().service.consistencyChecks).to.equal(before);
	});

	it("checks an idle player again once a claim found an entry another server left in its inbox", () => {
		// Offers are declined: the escrow changes the inbox, never the data.
		const { service } = itemServer({ consistency: { checkInterval: 30, repair: false }, acceptTrade: () => false });
		service.LoadPlayerData(7012).expect();
		task.wait(35);
		const checks = () => service.GetStatistics().service.consistencyChecks;
		const before = checks();
		// An escrow from another player: an inbox-only change for this one.
		new DataAccessLayer({ warnings: false })
			.update<{ e: Record<string, unknown>; s?: string }>(
				{ store: "DataService.Inbox", key: "7012" },
				(inbox) => ({
					s: inbox?.s,
					e: { ...(inbox?.e ?? {}), stray: { k: "x", f: 7013, g: { coins: 5 }, t: {}, e: os.time() + 600 } },
				}),
			)
			.expect();
		// The offerer's server announces it (the nudge), and the holder claims.
		game.GetService("MessagingService").PublishAsync("DataService", { t: "inbox", u: 7012, j: "elsewhere" });
		const coins = (service.GetPlayerData(7012) as unknown as ItemData).coins;
		task.wait(40);
		// Checked again though its data did not change.
		expect((service.GetPlayerData(7012) as unknown as ItemData).coins).to.equal(coins);
		expect(checks() - before >= 1).to.equal(true);
	});

	it("keeps checking an idle player whose last check found an issue it did not repair", () => {
		seedSword(7014, "u14");
		// An applied marker with no inbox entry (an orphan reference): found by an inbox check, not repaired.
		game.GetService("DataStoreService")
			.GetDataStore("PlayerData")
			.UpdateAsync("Player_7014", (value: unknown) => {
				const raw = value as { Data: { applied: Record<string, boolean> } };
				raw.Data.applied.ghost = true;
				return $tuple(raw);
			});
		const { service } = itemServer({ consistency: { checkInterval: 30, repair: false } });
		service.LoadPlayerData(7014).expect();
		task.wait(35);
		const checks = () => service.GetStatistics().service.consistencyChecks;
		const before = checks();
		task.wait(65);
		expect(checks() - before >= 2).to.equal(true);
	});
};
