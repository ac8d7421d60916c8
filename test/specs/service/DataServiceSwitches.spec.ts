import { storedValue } from "../harness/Cloud";
import { freshWorld, rejection, savedData, serviceServer, stopServers, waitUntil } from "./support";

/** The message a constructor error carries, or undefined when it constructed. */
function constructionError(config: Parameters<typeof serviceServer>[0]): string | undefined {
	const [ok, err] = pcall(() => serviceServer(config));
	return ok ? undefined : tostring(err);
}

const LOOSE = { type: "object" } as const;

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("constructs with the module switches on now that BackupManager and AuditLogger exist", () => {
		// Both modules exist: their switches construct (DataServiceBackups and DataServiceAudit cover what they do).
		expect(constructionError({ enableAuditing: true })).to.equal(undefined);
		expect(constructionError({ enableBackups: true, backupBeforeUpdates: true })).to.equal(undefined);
		expect(constructionError({ enableBackups: false, enableAuditing: false })).to.equal(undefined);
	});

	it("refuses unknown fields, fields of the wrong type and contradicting switches, without a file position", () => {
		const unknown = constructionError({ enableCache: true } as never)!;
		expect(unknown.find('"enableCache"')[0] !== undefined).to.equal(true);
		expect(unknown.find("%w:%d+:")[0]).to.equal(undefined);
		const typed = constructionError({ enableCaching: "yes" as never })!;
		expect(typed.find("enableCaching must be a boolean, got string")[0] !== undefined).to.equal(true);
		const timeout = constructionError({ operationTimeout: "30" as never })!;
		expect(timeout.find("got string")[0] !== undefined).to.equal(true);
		expect(
			constructionError({ checkConsistencyOnRead: true, enableConsistencyChecks: false })!.find(
				"enableConsistencyChecks",
			)[0] !== undefined,
		).to.equal(true);
	});

	it("reports every switch in GetStatistics().config", () => {
		const { service } = serviceServer({ batchOperations: false, operationTimeout: 12 });
		const config = service.GetStatistics().config;
		for (const name of [
			"enableTransactions",
			"enableCaching",
			"enableBackups",
			"enableAuditing",
			"enableConsistencyChecks",
			"enableMigration",
			"batchOperations",
			"maxConcurrentOperations",
			"operationTimeout",
			"validateAllWrites",
			"backupBeforeUpdates",
			"checkConsistencyOnRead",
			"bindPlayers",
			"loadOnJoin",
			"schemaVersion",
		]) {
			expect(config[name] !== undefined).to.equal(true);
		}
		expect(config.batchOperations).to.equal(false);
		expect(config.operationTimeout).to.equal(12);
	});

	it("batchOperations off saves each change at once; on, the change waits for the auto-save", () => {
		const batched = serviceServer();
		batched.service.LoadPlayerData(9201).expect();
		task.wait(1);
		batched.service.UpdatePlayerData(9201, { coins: 5 }).expect();
		// ProfileService writes a key at most every 7 s (the load wrote it): past that, only an auto-save would.
		task.wait(10);
		expect(savedData(9201)!.coins).to.equal(0);
		const eager = serviceServer({ batchOperations: false });
		eager.service.LoadPlayerData(9202).expect();
		task.wait(1);
		eager.service.UpdatePlayerData(9202, { coins: 5 }).expect();
		task.wait(10);
		expect(savedData(9202)!.coins).to.equal(5);
	});

	it("enableConsistencyChecks off makes RunConsistencyCheck reject Disabled", () => {
		const { service } = serviceServer({ enableConsistencyChecks: false });
		service.LoadPlayerData(9211).expect();
		expect(rejection(service.RunConsistencyCheck(9211)).kind).to.equal("Disabled");
	});

	it("checkConsistencyOnRead refuses a profile the check finds broken, leaving it stored as it was", () => {
		const writer = serviceServer({ template: { coins: 0 }, schema: LOOSE, validateAllWrites: false });
		writer.service.LoadPlayerData(9221).expect();
		writer.service.UpdatePlayerData(9221, { coins: -3 }).expect();
		writer.service.ReleasePlayer(9221).expect();
		task.wait(3);
		const plain = serviceServer({ template: { coins: 0 }, schema: LOOSE });
		plain.service.LoadPlayerData(9221).expect();
		plain.service.ReleasePlayer(9221).expect();
		task.wait(3);
		const checking = serviceServer({ template: { coins: 0 }, schema: LOOSE, checkConsistencyOnRead: true });
		const err = rejection(checking.service.LoadPlayerData(9221));
		expect(err.kind).to.equal("InvalidData");
		expect(err.message.find("coins")[0] !== undefined).to.equal(true);
		expect(checking.service.GetPlayerData(9221)).to.equal(undefined);
		task.wait(3);
		expect((savedData(9221) as unknown as { coins: number }).coins).to.equal(-3);
	});

	it("enableMigration off refuses an older profile instead of using it as if it were current", () => {
		const old = serviceServer();
		old.service.LoadPlayerData(9231).expect();
		old.service.ReleasePlayer(9231).expect();
		task.wait(3);
		const migrations = [(data: object) => ({ ...data, level: 2 })];
		const off = serviceServer({ migrations, enableMigration: false });
		const err = rejection(off.service.LoadPlayerData(9231));
		expect(err.kind).to.equal("InvalidData");
		expect(err.message.find("enableMigration")[0] !== undefined).to.equal(true);
		task.wait(3);
		const on = serviceServer({ migrations });
		expect(on.service.LoadPlayerData(9231).expect().level).to.equal(2);
	});

	it("loadOnJoin loads a joining player; without it nothing loads on join", () => {
		const { server, service } = serviceServer({ loadOnJoin: true });
		server.addPlayer({ userId: 9241 });
		expect(waitUntil(() => service.GetPlayerData(9241) !== undefined, 10)).to.equal(true);
		const manual = serviceServer();
		manual.server.addPlayer({ userId: 9242 });
		task.wait(5);
		expect(manual.service.GetPlayerData(9242)).to.equal(undefined);
	});

	it("enableCaching off reads the store for every view (no cache hits)", () => {
		const { service } = serviceServer({ enableCaching: false });
		service.LoadPlayerData(9251).expect();
		for (let i = 0; i < 5; i++) service.GetPlayerData(9251);
		for (let i = 0; i < 3; i++) service.ViewPlayerData(9252).expect();
		expect(service.GetStatistics().cache.hits).to.equal(0);
		expect(storedValue("PlayerData", "Player_9251") !== undefined).to.equal(true);
	});
};
