import { t } from "@rbxts/t";
import { Change, DataValidator, ValidationResult } from "shared/core/DataValidator";

function summary(result: ValidationResult): string {
	return result.errors.map((e) => `${e.kind} ${e.path} ${e.rule}`).join(",");
}

const SCHEMA = {
	type: "object",
	properties: {
		name: { type: "string" },
		coins: { type: "integer", minimum: 0 },
		nickname: { type: "string" },
		inventory: {
			type: "array",
			maxItems: 4,
			uniqueItems: true,
			items: {
				type: "object",
				properties: { id: { type: "string" }, count: { type: "integer", minimum: 1 } },
				required: ["id", "count"],
				additionalProperties: false,
			},
		},
		level: { type: "integer" },
		xp: { type: "integer" },
		home: t.strictInterface({ x: t.number, y: t.number }),
		notes: { type: "object" },
	},
	required: ["name", "coins", "inventory", "level", "xp"],
	additionalProperties: false,
	rules: ["xpBelowNextLevel"],
} as const;

function makeProfile() {
	return {
		name: "builderman",
		coins: 10,
		inventory: [
			{ id: "sword", count: 1 },
			{ id: "shield", count: 1 },
			{ id: "potion", count: 5 },
		],
		level: 2,
		xp: 1500,
		home: { x: 1, y: 2 },
		notes: { a: 1 },
	};
}

export = () => {
	const validator = new DataValidator();
	validator.registerRule("xpBelowNextLevel", (value) => {
		const p = value as { level: number; xp: number };
		return p.xp < p.level * 1000 || `xp ${p.xp} is past level ${p.level}`;
	});
	const compiled = validator.compile(SCHEMA);
	const check = (changes: Change[]) => validator.validateChanges(compiled, makeProfile(), changes);

	describe("validateChanges", () => {
		it("accepts valid changes at the top level and deep inside arrays", () => {
			expect(check([{ path: ["coins"], value: 99 }]).ok).to.equal(true);
			expect(check([{ path: ["inventory", 2, "count"], value: 7 }]).ok).to.equal(true);
			expect(check([{ path: ["nickname"], value: "bob" }]).ok).to.equal(true);
		});
		it("rejects an invalid change with the full 0-based path, rule and value", () => {
			const result = check([{ path: ["inventory", 2, "count"], value: 0 }]);
			expect(summary(result)).to.equal("ConstraintViolated inventory[2].count minimum");
			expect(result.errors[0].value).to.equal(0);
		});
		it("checks a new subtree completely", () => {
			const result = check([{ path: ["inventory", 1], value: { id: 5, count: 1, bonus: true } }]);
			expect(summary(result)).to.equal(
				"UnknownField inventory[1].bonus additionalProperties,TypeMismatch inventory[1].id type",
			);
		});
		it("rejects removing a required field and allows removing an optional one", () => {
			expect(summary(check([{ path: ["coins"], value: undefined }]))).to.equal("MissingField coins required");
			expect(check([{ path: ["nickname"], value: undefined }]).ok).to.equal(true);
		});
		it("rejects fields the schema does not allow", () => {
			expect(summary(check([{ path: ["godMode"], value: true }]))).to.equal(
				"UnknownField godMode additionalProperties",
			);
		});
		it("re-checks the array above a change: uniqueness and maxItems", () => {
			const dup = check([{ path: ["inventory", 1], value: { id: "sword", count: 1 } }]);
			expect(summary(dup)).to.equal("ConstraintViolated inventory uniqueItems");
			expect(check([{ path: ["inventory", 3], value: { id: "bow", count: 1 } }]).ok).to.equal(true);
			const tooMany = validator.validateChanges(compiled, makeProfile(), [
				{ path: ["inventory", 3], value: { id: "bow", count: 1 } },
			]);
			expect(tooMany.ok).to.equal(true);
			const full = makeProfile();
			full.inventory.push({ id: "bow", count: 1 });
			const fifth = validator.validateChanges(compiled, full, [
				{ path: ["inventory", 4], value: { id: "axe", count: 1 } },
			]);
			expect(summary(fifth)).to.equal("ConstraintViolated inventory maxItems");
		});
		it("checks minItems when an element is removed, without touching the other elements", () => {
			const team = validator.compile({
				type: "object",
				properties: { members: { type: "array", minItems: 2, items: { type: "string" } } },
			} as const);
			const doc = { members: ["a", "b", "c"] };
			expect(validator.validateChanges(team, doc, [{ path: ["members", 2], value: undefined }]).ok).to.equal(
				true,
			);
			const short = { members: ["a", "b"] };
			const result = validator.validateChanges(team, short, [{ path: ["members", 1], value: undefined }]);
			expect(summary(result)).to.equal("ConstraintViolated members minItems");
			expect(result.errors[0].message).to.equal("1 items; at least 2 required");
		});
		it("refuses changes that would leave holes in an array", () => {
			expect(summary(check([{ path: ["inventory", 5], value: { id: "bow", count: 1 } }]))).to.equal(
				"NotStorable inventory[5] json",
			);
			expect(summary(check([{ path: ["inventory", 0], value: undefined }]))).to.equal(
				"NotStorable inventory[0] json",
			);
			expect(check([{ path: ["inventory", 2], value: undefined }]).ok).to.equal(true);
		});
		it("re-runs the business rules of the objects above a change", () => {
			expect(check([{ path: ["xp"], value: 1999 }]).ok).to.equal(true);
			const result = check([{ path: ["xp"], value: 2000 }]);
			expect(summary(result)).to.equal("RuleFailed  xpBelowNextLevel");
			expect(result.errors[0].message).to.equal("xp 2000 is past level 2");
		});
		it("checks a change inside a t check or free-form subtree against the whole subtree", () => {
			expect(check([{ path: ["home", "x"], value: 5 }]).ok).to.equal(true);
			expect(summary(check([{ path: ["home", "z"], value: 5 }]))).to.equal("RuleFailed home check");
			expect(check([{ path: ["notes", "b"], value: "ok" }]).ok).to.equal(true);
			// Inside an opaque subtree, numbers in the path are still 0-based array indices.
			const pairSchema = validator.compile({
				type: "object",
				properties: { pair: t.strictArray(t.number, t.string) },
			} as const);
			const doc: { pair?: [number, string] } = { pair: [1, "a"] };
			expect(validator.validateChanges(pairSchema, doc, [{ path: ["pair", 1], value: "b" }]).ok).to.equal(true);
			expect(validator.validateChanges(pairSchema, doc, [{ path: ["pair", 0], value: "b" }]).ok).to.equal(false);
			expect(summary(check([{ path: ["notes", "b"], value: 0 / 0 }]))).to.equal("NotStorable notes.b finite");
		});
		it("leaves the current document untouched", () => {
			const current = makeProfile();
			validator.validateChanges(compiled, current, [
				{ path: ["inventory", 0, "count"], value: 3 },
				{ path: ["xp"], value: 1999 },
			]);
			expect(current.inventory[0].count).to.equal(1);
			expect(current.xp).to.equal(1500);
		});
		it("checks only the changed paths: an untouched invalid field is not re-validated", () => {
			const current = makeProfile();
			current.name = 5 as unknown as string;
			expect(compiled.validate(current).ok).to.equal(false);
			expect(validator.validateChanges(compiled, current, [{ path: ["coins"], value: 11 }]).ok).to.equal(true);
		});
		it("catches a change that makes the document too large for its store", () => {
			const small = new DataValidator({ maxSize: 300 }).compile({
				type: "object",
				properties: { bio: { type: "string" }, coins: { type: "integer" } },
			} as const);
			const doc = { bio: "hello", coins: 1 };
			expect(small.validate(doc).ok).to.equal(true);
			expect(
				new DataValidator().validateChanges(small, doc, [{ path: ["bio"], value: string.rep("a", 250) }]).ok,
			).to.equal(true);
			// 295 characters fit on their own, but not beside the rest of the document.
			const doc2 = new DataValidator().validateChanges(small, doc, [
				{ path: ["bio"], value: string.rep("a", 295) },
			]);
			expect(summary(doc2)).to.equal("NotStorable  maxSize");
			const alone = new DataValidator().validateChanges(small, doc, [
				{ path: ["bio"], value: string.rep("a", 300) },
			]);
			expect(summary(alone)).to.equal("NotStorable bio maxSize");
		});
		it("treats an empty path as replacing the whole document", () => {
			const replacement = makeProfile();
			expect(check([{ path: [], value: replacement }]).ok).to.equal(true);
			replacement.coins = -5;
			expect(summary(check([{ path: [], value: replacement }]))).to.equal("ConstraintViolated coins minimum");
		});
		it("still measures size when the current document cannot be encoded", () => {
			const loose = validator.compile({ type: "object" } as const);
			const loop: Record<string, unknown> = { a: 1 };
			loop.self = loop;
			const result = validator.validateChanges(loose, loop, [{ path: ["a"], value: 2 }]);
			expect(summary(result)).to.equal("NotStorable " + string.rep("self.", 31) + "self maxDepth");
		});
		it("reports problems of several changes together", () => {
			const result = check([
				{ path: ["coins"], value: -1 },
				{ path: ["inventory", 0, "count"], value: 0 },
			]);
			expect(summary(result)).to.equal(
				"ConstraintViolated coins minimum,ConstraintViolated inventory[0].count minimum",
			);
		});
	});
};
