import { t } from "@rbxts/t";
import { DataValidator, ValidationResult } from "shared/core/DataValidator";

function rulesOf(result: ValidationResult): string {
	return result.errors.map((e) => `${e.path}:${e.rule}`).join(",");
}

export = () => {
	const validator = new DataValidator();

	describe("type", () => {
		it("accepts each type name for its own kind of value and rejects the others", () => {
			const str = validator.compile({ type: "string" } as const);
			const num = validator.compile({ type: "number" } as const);
			const bool = validator.compile({ type: "boolean" } as const);
			const obj = validator.compile({ type: "object" } as const);
			const arr = validator.compile({ type: "array" } as const);
			expect(str.check("a")).to.equal(true);
			expect(str.check(1)).to.equal(false);
			expect(num.check(1.5)).to.equal(true);
			expect(num.check("1")).to.equal(false);
			expect(bool.check(false)).to.equal(true);
			expect(bool.check(0)).to.equal(false);
			expect(obj.check({ a: 1 })).to.equal(true);
			expect(obj.check([1, 2])).to.equal(false);
			expect(arr.check([1, 2])).to.equal(true);
			expect(arr.check({ a: 1 })).to.equal(false);
			expect(arr.check(undefined)).to.equal(false);
		});
		it("treats integer as a number with no fractional part", () => {
			const int = validator.compile({ type: "integer" } as const);
			expect(int.check(3)).to.equal(true);
			expect(int.check(-0)).to.equal(true);
			expect(int.check(3.5)).to.equal(false);
			expect(rulesOf(int.validate(3.5))).to.equal(":type");
		});
		it("accepts any listed type of a type list", () => {
			const either = validator.compile({
				type: ["string", "integer"],
			} as const);
			expect(either.check("x")).to.equal(true);
			expect(either.check(4)).to.equal(true);
			expect(either.check(4.5)).to.equal(false);
			expect(either.check(true)).to.equal(false);
			const shape = validator.compile({ type: ["object", "array"] } as const);
			expect(shape.check({ a: 1 })).to.equal(true);
			expect(shape.check([1])).to.equal(true);
			expect(shape.check("no")).to.equal(false);
		});
	});

	describe("numbers", () => {
		it("checks minimum and maximum inclusively", () => {
			const level = validator.compile({
				type: "integer",
				minimum: 1,
				maximum: 100,
			} as const);
			expect(level.check(1)).to.equal(true);
			expect(level.check(100)).to.equal(true);
			expect(level.check(0)).to.equal(false);
			expect(level.check(101)).to.equal(false);
			expect(rulesOf(level.validate(101))).to.equal(":maximum");
			expect(rulesOf(level.validate(0))).to.equal(":minimum");
		});
		it("checks exclusiveMinimum and exclusiveMaximum strictly", () => {
			const ratio = validator.compile({
				type: "number",
				exclusiveMinimum: 0,
				exclusiveMaximum: 1,
			} as const);
			expect(ratio.check(0.5)).to.equal(true);
			expect(ratio.check(0)).to.equal(false);
			expect(ratio.check(1)).to.equal(false);
			expect(rulesOf(ratio.validate(1))).to.equal(":exclusiveMaximum");
			expect(rulesOf(ratio.validate(0))).to.equal(":exclusiveMinimum");
		});
		it("checks multipleOf, including decimal steps", () => {
			const fives = validator.compile({
				type: "integer",
				multipleOf: 5,
			} as const);
			expect(fives.check(25)).to.equal(true);
			expect(fives.check(26)).to.equal(false);
			const tenths = validator.compile({
				type: "number",
				multipleOf: 0.1,
			} as const);
			expect(tenths.check(0.3)).to.equal(true);
			expect(tenths.check(0.35)).to.equal(false);
			expect(rulesOf(tenths.validate(0.35))).to.equal(":multipleOf");
		});
		it("always rejects NaN and infinities, even where the schema allows any value", () => {
			const num = validator.compile({ type: "number" } as const);
			const any = validator.compile({} as const);
			for (const bad of [0 / 0, math.huge, -math.huge]) {
				expect(num.check(bad)).to.equal(false);
				expect(any.check({ score: bad })).to.equal(false);
				const result = num.validate(bad);
				expect(result.errors[0].kind).to.equal("NotStorable");
				expect(result.errors[0].rule).to.equal("finite");
			}
		});
	});

	describe("strings", () => {
		it("checks minLength and maxLength in bytes", () => {
			const name = validator.compile({
				type: "string",
				minLength: 3,
				maxLength: 5,
			} as const);
			expect(name.check("abc")).to.equal(true);
			expect(name.check("abcde")).to.equal(true);
			expect(name.check("ab")).to.equal(false);
			expect(name.check("abcdef")).to.equal(false);
			expect(rulesOf(name.validate("ab"))).to.equal(":minLength");
			expect(rulesOf(name.validate("abcdef"))).to.equal(":maxLength");
		});
		it("matches pattern as an unanchored Lua pattern unless anchored with ^ and $", () => {
			const hasDigit = validator.compile({
				type: "string",
				pattern: "%d",
			} as const);
			expect(hasDigit.check("abc1")).to.equal(true);
			expect(hasDigit.check("abc")).to.equal(false);
			const code = validator.compile({
				type: "string",
				pattern: "^%u%u%-%d%d%d$",
			} as const);
			expect(code.check("AB-123")).to.equal(true);
			expect(code.check("xAB-123")).to.equal(false);
			expect(code.check("AB-1234")).to.equal(false);
			expect(rulesOf(code.validate("ab-123"))).to.equal(":pattern");
		});
		it("treats % escapes of |, { and } as literal characters", () => {
			const piped = validator.compile({
				type: "string",
				pattern: "^a%|b$",
			} as const);
			expect(piped.check("a|b")).to.equal(true);
			expect(piped.check("a")).to.equal(false);
			const braced = validator.compile({
				type: "string",
				pattern: "^%{%w+%}$",
			} as const);
			expect(braced.check("{id}")).to.equal(true);
			expect(braced.check("id")).to.equal(false);
		});
	});

	describe("enum and const", () => {
		it("accepts only enum members, compared by value", () => {
			const rarity = validator.compile({
				type: "string",
				enum: ["common", "rare", "epic"],
			} as const);
			expect(rarity.check("rare")).to.equal(true);
			expect(rarity.check("legendary")).to.equal(false);
			const result = rarity.validate("legendary");
			expect(result.errors[0].rule).to.equal("enum");
			expect(result.errors[0].message).to.equal('string "legendary" is not one of "common", "rare", "epic"');
		});
		it("accepts only the const value", () => {
			const version = validator.compile({ const: 3 } as const);
			expect(version.check(3)).to.equal(true);
			expect(version.check(4)).to.equal(false);
			expect(version.check("3")).to.equal(false);
			expect(rulesOf(version.validate(4))).to.equal(":const");
		});
	});

	describe("nodes without a type", () => {
		it("accepts enum members of different types, and nothing else", () => {
			const mixed = validator.compile({ enum: ["auto", 0, true] } as const);
			expect(mixed.check("auto")).to.equal(true);
			expect(mixed.check(0)).to.equal(true);
			expect(mixed.check(true)).to.equal(true);
			expect(mixed.check(false)).to.equal(false);
			expect(mixed.check("0")).to.equal(false);
		});
		it("accepts a t check as the whole schema", () => {
			const positive = validator.compile(t.numberPositive);
			expect(positive.check(2)).to.equal(true);
			expect(positive.check(-2)).to.equal(false);
		});
	});

	describe("objects", () => {
		it("checks each declared property with its own schema", () => {
			const point = validator.compile({
				type: "object",
				properties: { x: { type: "number" }, y: { type: "number" } },
			} as const);
			expect(point.check({ x: 1, y: 2 })).to.equal(true);
			expect(point.check({ x: 1, y: "2" })).to.equal(false);
			expect(point.check({})).to.equal(true);
		});
		it("reports each missing required property", () => {
			const point = validator.compile({
				type: "object",
				properties: {
					x: { type: "number" },
					y: { type: "number" },
					z: { type: "number" },
				},
				required: ["x", "y"],
			} as const);
			expect(point.check({ x: 1, y: 2 })).to.equal(true);
			expect(point.check({ x: 1, z: 2 })).to.equal(false);
			const result = point.validate({ z: 1 });
			expect(rulesOf(result)).to.equal("x:required,y:required");
			expect(result.errors[0].kind).to.equal("MissingField");
		});
		it("rejects undeclared properties when additionalProperties is false", () => {
			const strict = validator.compile({
				type: "object",
				properties: { x: { type: "number" } },
				additionalProperties: false,
			} as const);
			expect(strict.check({ x: 1 })).to.equal(true);
			const result = strict.validate({ x: 1, hacked: true });
			expect(result.ok).to.equal(false);
			expect(result.errors[0].kind).to.equal("UnknownField");
			expect(result.errors[0].path).to.equal("hacked");
		});
		it("checks undeclared properties against an additionalProperties schema", () => {
			const counts = validator.compile({
				type: "object",
				additionalProperties: { type: "integer", minimum: 0 },
			} as const);
			expect(counts.check({ sword: 1, shield: 0 })).to.equal(true);
			expect(rulesOf(counts.validate({ sword: 1, shield: -1 }))).to.equal("shield:minimum");
		});
		it("allows any storable undeclared property when additionalProperties is absent", () => {
			const open = validator.compile({
				type: "object",
				properties: { x: { type: "number" } },
			} as const);
			expect(open.check({ x: 1, note: "hi", list: [1, 2] })).to.equal(true);
			expect(open.check({ x: 1, bad: () => 1 })).to.equal(false);
			expect(open.check({ x: 1, mixed: { 1: "a", b: "c" } })).to.equal(false);
		});
	});

	describe("arrays", () => {
		it("checks every element against items", () => {
			const scores = validator.compile({
				type: "array",
				items: { type: "integer" },
			} as const);
			expect(scores.check([1, 2, 3])).to.equal(true);
			expect(scores.check([])).to.equal(true);
			expect(rulesOf(scores.validate([1, 2.5, 3, "x"]))).to.equal("[1]:type,[3]:type");
		});
		it("checks minItems and maxItems", () => {
			const team = validator.compile({
				type: "array",
				minItems: 2,
				maxItems: 3,
			} as const);
			expect(team.check([1, 2])).to.equal(true);
			expect(team.check([1, 2, 3])).to.equal(true);
			expect(rulesOf(team.validate([1]))).to.equal(":minItems");
			expect(rulesOf(team.validate([1, 2, 3, 4]))).to.equal(":maxItems");
		});
		it("checks uniqueItems by value, tables included", () => {
			const unique = validator.compile({
				type: "array",
				uniqueItems: true,
			} as const);
			expect(unique.check([1, 2, "1"])).to.equal(true);
			expect(unique.check([1, 2, 1])).to.equal(false);
			expect(unique.check([{ id: 1 }, { id: 2 }])).to.equal(true);
			const result = unique.validate([{ id: 1 }, { id: 2 }, { id: 1 }]);
			expect(rulesOf(result)).to.equal(":uniqueItems");
			expect(result.errors[0].message).to.equal("item 2 repeats an earlier item");
		});
		it("rejects tables with holes or non-index keys as arrays", () => {
			const list = validator.compile({ type: "array" } as const);
			const sparse = new Map<number, string>([
				[1, "a"],
				[3, "c"],
			]);
			expect(list.check(sparse)).to.equal(false);
			expect(list.check({ a: 1 })).to.equal(false);
		});
	});

	describe("nesting and $ref", () => {
		it("validates nested objects inside arrays inside objects", () => {
			const profile = validator.compile({
				type: "object",
				properties: {
					inventory: {
						type: "array",
						items: {
							type: "object",
							properties: {
								id: { type: "string" },
								count: { type: "integer", minimum: 1 },
							},
							required: ["id", "count"],
						},
					},
				},
			} as const);
			expect(profile.check({ inventory: [{ id: "a", count: 1 }] })).to.equal(true);
			expect(profile.check({ inventory: [{ id: "a", count: 0 }] })).to.equal(false);
		});
		it("resolves named definitions through $ref", () => {
			const schema = {
				definitions: { Money: { type: "integer", minimum: 0 } },
				type: "object",
				properties: {
					coins: { $ref: "#/definitions/Money" },
					gems: { $ref: "#/definitions/Money" },
				},
			} as const;
			const wallet = validator.compile(schema);
			expect(wallet.check({ coins: 5, gems: 0 })).to.equal(true);
			expect(rulesOf(wallet.validate({ coins: 5, gems: -1 }))).to.equal("gems:minimum");
		});
		it("resolves $defs and '#', a reference to the root itself", () => {
			const list = validator.compile({
				$defs: { Value: { type: "integer", minimum: 0 } },
				type: "object",
				properties: { value: { $ref: "#/$defs/Value" }, next: { $ref: "#" } },
				required: ["value"],
			} as const);
			expect(list.check({ value: 1, next: { value: 2, next: { value: 3 } } })).to.equal(true);
			expect(rulesOf(list.validate({ value: 1, next: { value: 2, next: { value: -3 } } }))).to.equal(
				"next.next.value:minimum",
			);
		});
		it("follows recursive references to any depth within the limit", () => {
			const tree = validator.compile({
				definitions: {
					Node: {
						type: "object",
						properties: {
							name: { type: "string" },
							children: {
								type: "array",
								items: { $ref: "#/definitions/Node" },
							},
						},
						required: ["name"],
					},
				},
				$ref: "#/definitions/Node",
			} as const);
			const leaf = { name: "leaf", children: [] };
			expect(
				tree.check({
					name: "root",
					children: [{ name: "a", children: [leaf] }, { name: "b" }],
				}),
			).to.equal(true);
			expect(
				rulesOf(
					tree.validate({
						name: "root",
						children: [{ name: "a", children: [{ children: [] }] }],
					}),
				),
			).to.equal("children[0].children[0].name:required");
		});
	});
};
