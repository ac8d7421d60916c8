import { ConsistencyChecker } from "shared/core/ConsistencyChecker";
import { AnomalyDetector } from "shared/core/consistency/AnomalyDetector";
import { robustStatistics } from "shared/core/consistency/robustStatistics";
import { ITEM_RULES, ITEM_SCHEMA, ITEM_TEMPLATE } from "./support";

function checker(): ConsistencyChecker {
	return new ConsistencyChecker({
		schema: ITEM_SCHEMA,
		template: ITEM_TEMPLATE,
		currencies: ["coins"],
		...ITEM_RULES,
		temporal: { ...ITEM_RULES.temporal, createdBeforeUpdated: [["created", "lastLogin"]] },
		clock: () => 1000000,
	});
}

function found(issues: ReadonlyArray<{ category: string; kind: string; path: string }>): Array<string> {
	return issues.map((i) => `${i.category} ${i.kind} ${i.path}`);
}

export = () => {
	it("reports each structural, referential, business and temporal issue with its path", () => {
		const data = {
			...ITEM_TEMPLATE,
			coins: 0 / 0,
			level: 150,
			inventory: { sword: 1, dragon: 2 },
			items: [
				{ id: "a", item: "sword" },
				{ id: "a", item: "sword" },
				{ id: "b", item: "laser" },
			],
			equipped: "zzz",
			lastLogin: 1000000 + 3600,
			hacked: true,
		};
		const issues = found(checker().Check(data));
		for (const expected of [
			"structural notFinite coins",
			"structural unknownField hacked",
			"referential unknownItem inventory.dragon",
			"referential unknownItem items[2]",
			"duplicate duplicateItem items[1]",
			"business ruleBroken level",
			"business ruleBroken equipped",
			"temporal futureTimestamp lastLogin",
		]) {
			expect(issues.includes(expected)).to.equal(true);
		}
		expect(
			found(checker().Check({ ...ITEM_TEMPLATE, items: [{ id: "a", item: "sword" }], equipped: "a" })).size(),
		).to.equal(0);
	});

	it("names the field and what it held in each message", () => {
		const issues = checker().Check({ ...ITEM_TEMPLATE, level: "ten" });
		const level = issues.find((i) => i.path === "level")!;
		expect(level.kind).to.equal("wrongType");
		expect(level.message.find("level")[0] !== undefined).to.equal(true);
		expect(level.message.find("string")[0] !== undefined).to.equal(true);
		expect(level.fix).to.equal("fillDefault");
	});

	it("sees a monotonic field and a version going back against what was seen before", () => {
		const issues = found(
			checker().Check(
				{ ...ITEM_TEMPLATE, earned: 5 },
				{ previous: { ...ITEM_TEMPLATE, earned: 9 }, previousVersion: 4, version: 3 },
			),
		);
		expect(issues.includes("temporal wentBack earned")).to.equal(true);
		expect(issues.includes("temporal versionWentBack ")).to.equal(true);
	});

	it("sees a monotonic field lowered below the marks of the last committed data, once, with the mark as its fix", () => {
		const c = checker();
		const marks = c.Marks({ ...ITEM_TEMPLATE, earned: 40 }, 1);
		expect(marks.monotonic.earned).to.equal(40);
		// A later commit never lowers the floor, unless it is a new reference on purpose (a repair, a restore).
		expect(c.Marks({ ...ITEM_TEMPLATE, earned: 10 }, 1, marks).monotonic.earned).to.equal(40);
		expect(c.Marks({ ...ITEM_TEMPLATE, earned: 10 }, 1, marks, true).monotonic.earned).to.equal(10);
		const issues = c.Check(
			{ ...ITEM_TEMPLATE, earned: 25 },
			{ previous: { ...ITEM_TEMPLATE, earned: 30 }, floors: marks.monotonic },
		);
		const lowered = issues.filter((i) => i.kind === "wentBack");
		expect(lowered.size()).to.equal(1);
		expect(lowered[0].value).to.equal(40);
		expect(c.Check({ ...ITEM_TEMPLATE, earned: 40 }, { floors: marks.monotonic }).size()).to.equal(0);
	});

	it("repairs by declared fixes in a dry run without touching the data, and reports what has no fix", () => {
		const data = {
			...ITEM_TEMPLATE,
			level: 150,
			inventory: { dragon: 1 },
			items: [{ id: "a", item: "sword" }, { id: "a", item: "sword" }, { id: "q" }],
			hacked: 1,
		};
		const c = checker();
		const issues = c.Check(data);
		const report = c.Repair(1, data, issues, { dryRun: true });
		expect(report.applied).to.equal(false);
		expect(data.level).to.equal(150);
		const fixes = report.repairs.map((r) => `${r.fix} ${r.path}`);
		expect(fixes.includes("clamp level")).to.equal(true);
		expect(fixes.includes("removeReference inventory.dragon")).to.equal(true);
		expect(fixes.includes("deduplicate items[1]")).to.equal(true);
		expect(fixes.includes("dropUnknown hacked")).to.equal(true);
		expect(report.unrepaired.some((i) => i.path === "items[2].item")).to.equal(true);
	});

	it("repairs nothing without a BackupManager for the emergency backup", () => {
		const c = checker();
		const data = { ...ITEM_TEMPLATE, level: 150 };
		let applied = false;
		const report = c.Repair(1, data, c.Check(data), { apply: () => (applied = true) });
		expect(report.applied).to.equal(false);
		expect(applied).to.equal(false);
		expect(report.failure!.find("BackupManager")[0] !== undefined).to.equal(true);
	});

	it("computes the median and the scaled MAD, unmoved by one outlier", () => {
		const stats = robustStatistics([1, 2, 3, 4, 1000]);
		expect(stats.median).to.equal(3);
		expect(math.abs(stats.scale - 1.4826) < 1e-9).to.equal(true);
	});

	it("flags a rate of change far from the population's and none of a clean population", () => {
		const detector = new AnomalyDetector({ fields: ["coins"], minPopulation: 20 });
		const rng = new Random(7);
		for (let id = 1; id <= 40; id++) detector.sample(id, { coins: 0 }, 0);
		let flagged = 0;
		for (let id = 1; id <= 40; id++) flagged += detector.sample(id, { coins: rng.NextInteger(80, 120) }, 60).size();
		expect(flagged).to.equal(0);
		const cheat = detector.sample(41, { coins: 0 }, 0).size() + detector.sample(41, { coins: 5000 }, 60).size();
		expect(cheat).to.equal(1);
	});

	it("mints unique item ids", () => {
		const seen = new Set<string>();
		for (let i = 0; i < 200; i++) seen.add(checker().MintItemId());
		expect(seen.size()).to.equal(200);
	});
};
