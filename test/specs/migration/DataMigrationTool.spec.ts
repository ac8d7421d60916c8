import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { DataMigrationTool, EnvelopeSource, MigrationError, MigrationStep } from "shared/core/DataMigrationTool";
import { resetCloud, storedValue } from "../harness/Cloud";

type V1 = { coins: number; items: Array<string> };
type V2 = { coins: number; inventory: Record<string, number> };
type V3 = { wallet: { coins: number }; inventory: Record<string, number> };

/** v1 -> v2: the item list becomes counts by name. */
const TO_V2: MigrationStep = {
	name: "items to inventory",
	from: 1,
	up: (data) => {
		const d = data as V1;
		const inventory: Record<string, number> = {};
		for (const item of d.items) inventory[item] = (inventory[item] ?? 0) + 1;
		return { coins: d.coins, inventory };
	},
	down: (data) => {
		const d = data as V2;
		const items = new Array<string>();
		const names = new Array<string>();
		for (const [name] of pairs(d.inventory)) names.push(name as string);
		names.sort();
		for (const name of names) for (let i = 0; i < d.inventory[name]; i++) items.push(name);
		return { coins: d.coins, items };
	},
	sample: { coins: 3, items: ["sword", "sword", "bow"] },
};

/** v2 -> v3: coins move into a wallet. */
const TO_V3: MigrationStep = {
	name: "coins into wallet",
	from: 2,
	up: (data) => {
		const d = data as V2;
		return { wallet: { coins: d.coins }, inventory: d.inventory };
	},
	sample: { coins: 3, inventory: { bow: 1 } },
};

function tool(
	steps: ReadonlyArray<MigrationStep>,
	extra: Partial<ConstructorParameters<typeof DataMigrationTool>[0]> = {},
) {
	return new DataMigrationTool({
		steps,
		chain: "Spec",
		dataAccessLayer: new DataAccessLayer({ warnings: false }),
		...extra,
	});
}

function thrown(fn: () => unknown): MigrationError {
	const [ok, err] = pcall(fn);
	if (ok) error("expected an error", 2);
	return err as MigrationError;
}

export = () => {
	beforeEach(() => resetCloud());

	describe("the declared chain", () => {
		it("runs the steps after the document's version, in order, and nothing for a current document", () => {
			const t = tool([TO_V2, TO_V3]);
			const v1: V1 = { coins: 5, items: ["a", "b", "a"] };
			const full = t.migrateNow(v1, 1);
			expect(full.version).to.equal(3);
			expect(full.applied.join(",")).to.equal("items to inventory,coins into wallet");
			expect((full.data as V3).wallet.coins).to.equal(5);
			expect((full.data as V3).inventory.a).to.equal(2);
			// The input is never changed.
			expect(v1.items.size()).to.equal(3);
			const half = t.migrateNow({ coins: 1, inventory: {} }, 2);
			expect(half.applied.join(",")).to.equal("coins into wallet");
			const none = t.migrateNow(full.data, 3);
			expect(none.applied.size()).to.equal(0);
			expect(none.data).to.equal(full.data);
		});

		it("refuses a malformed chain at construction with InvalidChain naming the step", () => {
			const gap = thrown(() => tool([TO_V2, { ...TO_V3, from: 3 }]));
			expect(gap.kind).to.equal("InvalidChain");
			expect(
				gap.message.find(
					"steps[1].from must be 2 (steps go 1 -> 2 -> ... in order), got number 3",
					1,
					true,
				)[0] !== undefined,
			).to.equal(true);
			const twice = thrown(() => tool([TO_V2, { ...TO_V3, name: TO_V2.name }]));
			expect(twice.message.find("used twice")[0] !== undefined).to.equal(true);
			const noUp = thrown(() => tool([{ name: "x", from: 1 } as unknown as MigrationStep]));
			expect(noUp.message.find("steps[0].up must be a function, got nil", 1, true)[0] !== undefined).to.equal(
				true,
			);
			const back = thrown(() => tool([{ ...TO_V2, compatibleBackTo: 3 }]));
			expect(
				back.message.find("compatibleBackTo must be a whole number from 1 to 2, got number 3")[0] !== undefined,
			).to.equal(true);
			const badSample = thrown(() => tool([{ ...TO_V2, sample: { coins: 1 } }]));
			expect(badSample.message.find("fails on its own sample")[0] !== undefined).to.equal(true);
		});

		it("downgrades through down steps and refuses a step without one (NoDownStep)", () => {
			const t = tool([TO_V2, TO_V3]);
			const back = t.downgradeNow(t.migrateNow({ coins: 2, items: ["b", "a", "b"] }, 1).data, 2, 1);
			expect(back.version).to.equal(1);
			expect((back.data as V1).items.join(",")).to.equal("a,b,b");
			const err = thrown(() => t.downgradeNow({ wallet: { coins: 1 }, inventory: {} }, 3, 2));
			expect(err.kind).to.equal("NoDownStep");
			expect(err.step).to.equal("coins into wallet");
		});

		it("refuses a document newer than the code with NewerVersion", () => {
			const err = thrown(() => tool([TO_V2]).migrateNow({ coins: 1 }, 3));
			expect(err.kind).to.equal("NewerVersion");
			expect(err.message.find("version 3; this code knows up to 2")[0] !== undefined).to.equal(true);
		});
	});

	describe("bad steps", () => {
		const cases: Array<[string, (data: object) => object, string]> = [
			["errors", () => error("no coins field"), "errored: no coins field"],
			[
				"yields",
				(d) => {
					task.wait(1);
					return d;
				},
				"yielded",
			],
			["returns a non-table", () => 5 as unknown as object, "must return a table, got number 5"],
			["returns nothing", () => undefined as unknown as object, "must return a table, got nil"],
		];
		for (const [what, up, message] of cases) {
			it(`gives StepFailed when a step ${what}, and changes nothing`, () => {
				const t = tool([{ name: "bad", from: 1, up }]);
				const input = { coins: 4 };
				const err = thrown(() => t.migrateNow(input, 1));
				expect(err.kind).to.equal("StepFailed");
				expect(err.message.find(message, 1, true)[0] !== undefined).to.equal(true);
				expect(err.message.find("%.ts:%d")[0]).to.equal(undefined);
				expect(input.coins).to.equal(4);
			});
		}

		it("gives InvalidResult when the result breaks the target schema or cannot be stored", () => {
			const validate = (data: object) =>
				typeIs((data as V2).coins, "number") ? undefined : "coins: expected a number";
			const t = tool([{ name: "drops coins", from: 1, up: () => ({ inventory: {} }) }], { validate });
			const err = thrown(() => t.migrateNow({ coins: 1 }, 1));
			expect(err.kind).to.equal("InvalidResult");
			expect(
				err.message.find("breaks the schema of version 2: coins: expected a number")[0] !== undefined,
			).to.equal(true);
			const nan = tool([{ name: "nan", from: 1, up: () => ({ coins: 0 / 0 }) }], { chain: "Other" });
			expect(thrown(() => nan.migrateNow({ coins: 1 }, 1)).kind).to.equal("InvalidResult");
		});
	});

	describe("the durable history", () => {
		it("records each step's SHA-256 once and refuses an edited published step with EditedStep", () => {
			tool([TO_V2]).publish().expect();
			const raw = storedValue("DataService.Migrations", "history/Spec") as {
				d: { steps: Record<string, { checksum: string }> };
			};
			expect(raw.d.steps["1"].checksum.size()).to.equal(64);
			// The same declaration elsewhere, plus a new step: accepted.
			tool([TO_V2, TO_V3]).publish().expect();
			// The first step's behaviour edited (its sample's result changes): refused, nothing recorded.
			const edited = { ...TO_V2, up: (d: object) => ({ ...(TO_V2.up(d) as V2), coins: 0 }) };
			const [ok, err] = tool([edited, TO_V3]).publish().await();
			expect(ok).to.equal(false);
			expect((err as MigrationError).kind).to.equal("EditedStep");
			expect((err as MigrationError).step).to.equal("items to inventory");
			// A step without down: its result on the sample is what fingerprints it.
			const wallet = { ...TO_V3, up: (d: object) => ({ ...(TO_V3.up(d) as V3), inventory: {} }) };
			expect(thrown(() => tool([TO_V2, wallet]).publishNow()).kind).to.equal("EditedStep");
			const renamed = thrown(() => tool([{ ...TO_V2, name: "renamed" }]).migrateNow({ coins: 1, items: [] }, 1));
			expect(renamed.kind).to.equal("EditedStep");
			expect(renamed.message.find('published as "items to inventory"')[0] !== undefined).to.equal(true);
		});

		it("tells older code whether newer data declares itself compatible with it", () => {
			tool([TO_V2, { ...TO_V3, compatibleBackTo: 2 }])
				.publish()
				.expect();
			const old = tool([TO_V2]);
			expect(old.checkVersionNow(3)).to.equal("compatible");
			expect(old.checkVersionNow(2)).to.equal("current");
			expect(old.checkVersionNow(1)).to.equal("older");
			const older = tool([]);
			const err = thrown(() => older.checkVersionNow(3));
			expect(err.kind).to.equal("NewerVersion");
			expect(err.message.find("compatible back to 2 only")[0] !== undefined).to.equal(true);
			expect(
				thrown(() => older.checkVersionNow(4)).message.find("declares no compatibility")[0] !== undefined,
			).to.equal(true);
		});
	});

	describe("over DataAccessLayer documents", () => {
		it("migrates offline envelopes in a batch, idempotently, and a rerun changes nothing", () => {
			const dal = new DataAccessLayer({ warnings: false });
			for (let i = 1; i <= 7; i++) {
				dal.write({ store: "Inv", key: `k${i}` }, { coins: i, items: ["x"] }, { schemaVersion: 1 }).expect();
			}
			dal.write(
				{ store: "Inv", key: "k8" },
				{ wallet: { coins: 8 }, inventory: {} },
				{ schemaVersion: 3 },
			).expect();
			const t = tool([TO_V2, TO_V3], { dataAccessLayer: dal });
			const run = t.runBatch(new EnvelopeSource(dal, { store: "Inv" }), { pageSize: 3 }).expect();
			expect(run.state).to.equal("finished");
			expect(run.migratedCount).to.equal(7);
			expect(run.upToDate).to.equal(1);
			for (let i = 1; i <= 8; i++) {
				const doc = dal.read<V3>({ store: "Inv", key: `k${i}` }).expect()!;
				expect(doc.schemaVersion).to.equal(3);
				expect(doc.data.wallet.coins).to.equal(i);
			}
			const again = t.runBatch(new EnvelopeSource(dal, { store: "Inv" }), { pageSize: 3 }).expect();
			expect(again.migratedCount).to.equal(0);
			expect(again.upToDate).to.equal(8);
			expect(t.listRuns().expect().size()).to.equal(2);
		});
	});
};
