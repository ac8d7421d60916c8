import { t } from "@rbxts/t";
import { DataValidator, Infer } from "shared/core/DataValidator";

/** True only when A and B are the same type; assigning `true` to a false one does not compile. */
type Equals<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

interface Item {
	id: string;
	count: number;
	rarity: "common" | "rare";
}

interface Profile {
	name: string;
	level: number;
	vip?: boolean;
	inventory: Item[];
	pet?: { kind: "dog" | "cat"; age?: number };
	version: 2;
	stats: { [key: string]: number };
	mode?: "solo" | "duo";
}

const PROFILE_SCHEMA = {
	definitions: {
		Item: {
			type: "object",
			properties: {
				id: { type: "string" },
				count: { type: "integer" },
				rarity: { type: "string", enum: ["common", "rare"] },
			},
			required: ["id", "count", "rarity"],
		},
	},
	type: "object",
	properties: {
		name: { type: "string" },
		level: { type: "integer" },
		vip: { type: "boolean" },
		inventory: { type: "array", items: { $ref: "#/definitions/Item" } },
		pet: {
			type: "object",
			properties: { kind: { enum: ["dog", "cat"] }, age: { type: "number" } },
			required: ["kind"],
		},
		version: { const: 2 },
		stats: { type: "object", additionalProperties: { type: "number" } },
		mode: t.literal("solo", "duo"),
	},
	required: ["name", "level", "inventory", "version", "stats"],
} as const;

export = () => {
	describe("type inference", () => {
		it("infers exactly the Profile interface from an as-const schema", () => {
			// This line does not compile unless Infer gives exactly Profile.
			const exact: Equals<Infer<typeof PROFILE_SCHEMA>, Profile> = true;
			const compiled = new DataValidator().compile(PROFILE_SCHEMA);
			const data: unknown = {
				name: "a",
				level: 1,
				inventory: [{ id: "x", count: 2, rarity: "rare" }],
				version: 2,
				stats: {},
			};
			if (compiled.check(data)) {
				// Narrowed to Profile: these reads type-check without casts.
				const profile: Profile = data;
				expect(profile.inventory[0].count).to.equal(2);
			}
			expect(exact).to.equal(true);
			expect(compiled.check(data)).to.equal(true);
		});
	});

	describe("type inference of single keywords", () => {
		it("infers type lists, $defs references, additionalProperties maps and untyped nodes", () => {
			/* eslint-disable @typescript-eslint/no-unused-vars -- these schemas exist for their types */
			const list = { type: ["string", "integer"] } as const;
			const defs = { $defs: { Id: { type: "string" } }, type: "array", items: { $ref: "#/$defs/Id" } } as const;
			const counts = { type: "object", additionalProperties: { type: "integer" } } as const;
			const free = { description: "anything" } as const;
			const a: Equals<Infer<typeof list>, string | number> = true;
			const b: Equals<Infer<typeof defs>, string[]> = true;
			const c: Equals<Infer<typeof counts>, { [key: string]: number }> = true;
			const d: Equals<Infer<typeof free>, unknown> = true;
			expect(a && b && c && d).to.equal(true);
			expect(new DataValidator().compile(defs).check(["a", "b"])).to.equal(true);
		});
	});

	describe("@rbxts/t interop", () => {
		const validator = new DataValidator();
		it("uses a t check as a schema node and reports its failure as rule check", () => {
			const compiled = validator.compile({
				type: "object",
				properties: { mode: t.literal("solo", "duo"), score: t.numberConstrained(0, 10) },
			} as const);
			expect(compiled.check({ mode: "duo", score: 5 })).to.equal(true);
			const result = compiled.validate({ mode: "trio", score: 5 });
			expect(result.errors.size()).to.equal(1);
			expect(result.errors[0].kind).to.equal("RuleFailed");
			expect(result.errors[0].rule).to.equal("check");
			expect(result.errors[0].path).to.equal("mode");
		});
		it("still rejects what a DataStore cannot store even when a t check passes it", () => {
			const compiled = validator.compile({ type: "object", properties: { anything: t.any } } as const);
			expect(compiled.check({ anything: "fine" })).to.equal(true);
			expect(compiled.check({ anything: 0 / 0 })).to.equal(false);
			expect(compiled.check({ anything: () => 1 })).to.equal(false);
		});
		it("is usable wherever a t check is expected", () => {
			const item = validator.compile({
				type: "object",
				properties: { id: { type: "string" } },
				required: ["id"],
			} as const);
			const bag = t.strictInterface({ owner: t.string, items: t.array(item.check) });
			expect(bag({ owner: "a", items: [{ id: "x" }, { id: "y" }] })).to.equal(true);
			expect(bag({ owner: "a", items: [{ id: "x" }, { id: 5 }] })).to.equal(false);
			expect(t.optional(item.check)(undefined)).to.equal(true);
		});
	});

	describe("custom rules", () => {
		it("runs named business rules and reports their messages", () => {
			const validator = new DataValidator();
			validator.registerRule("levelCap", (level) => (level as number) <= 100 || "level is capped at 100");
			validator.registerRule("coinsNeverNegative", (coins) => (coins as number) >= 0);
			const compiled = validator.compile({
				type: "object",
				properties: {
					level: { type: "integer", rules: ["levelCap"] },
					coins: { type: "integer", rules: ["coinsNeverNegative"] },
				},
			} as const);
			expect(compiled.check({ level: 100, coins: 0 })).to.equal(true);
			const result = compiled.validate({ level: 101, coins: -1 });
			const lines = result.errors.map((e) => `${e.kind} ${e.path} ${e.rule}: ${e.message}`).join("\n");
			expect(lines).to.equal(
				'RuleFailed coins coinsNeverNegative: failed rule "coinsNeverNegative"\nRuleFailed level levelCap: level is capped at 100',
			);
		});
		it("runs object rules over several fields", () => {
			const validator = new DataValidator();
			validator.registerRule("xpBelowNextLevel", (value) => {
				const p = value as { level: number; xp: number };
				return p.xp < p.level * 1000 || `xp ${p.xp} is past level ${p.level}`;
			});
			const compiled = validator.compile({
				type: "object",
				properties: { level: { type: "integer" }, xp: { type: "integer" } },
				required: ["level", "xp"],
				rules: ["xpBelowNextLevel"],
			} as const);
			expect(compiled.check({ level: 2, xp: 1999 })).to.equal(true);
			expect(compiled.validate({ level: 2, xp: 2000 }).errors[0].message).to.equal("xp 2000 is past level 2");
		});
		it("turns a rule that throws into a failure instead of an error", () => {
			const validator = new DataValidator();
			validator.registerRule("explodes", () => error("boom"));
			const compiled = validator.compile({ type: "number", rules: ["explodes"] } as const);
			const result = compiled.validate(1);
			expect(result.ok).to.equal(false);
			expect(result.errors[0].message.find("boom", 1, true)[0]).to.be.ok();
		});
		it("refuses duplicate names and unregistered rules", () => {
			const validator = new DataValidator();
			validator.registerRule("once", () => true);
			expect(() => validator.registerRule("once", () => true)).to.throw(
				'a rule named "once" is already registered',
			);
			expect(() => validator.compile({ type: "number", rules: ["missing"] } as const)).to.throw(
				'rule string "missing" is not registered',
			);
		});
	});

	describe("compile cache", () => {
		it("returns the same compiled schema for the same schema and options", () => {
			const validator = new DataValidator();
			const schema = { type: "number" } as const;
			expect(validator.compile(schema)).to.equal(validator.compile(schema));
			expect(validator.compile(schema, { clamp: true })).never.to.equal(validator.compile(schema));
			expect(validator.validate(schema, 5).ok).to.equal(true);
			expect(validator.validate(schema, "5").ok).to.equal(false);
		});
	});
};
