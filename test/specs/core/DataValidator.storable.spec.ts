import { HttpService } from "@rbxts/services";
import { DataValidator, DATASTORE_VALUE_LIMIT } from "shared/core/DataValidator";

function nested(levels: number): object {
	let value: object = { leaf: true };
	for (let i = 1; i < levels; i++) {
		value = { child: value };
	}
	return value;
}

export = () => {
	describe("what a DataStore can store", () => {
		const validator = new DataValidator();
		const anything = validator.compile({} as const);

		it("rejects functions, Instances and other non-JSON values anywhere", () => {
			const folder = new Instance("Folder");
			for (const bad of [() => 1, folder, { part: folder }, [1, () => 2]]) {
				const result = anything.validate(bad);
				expect(result.ok).to.equal(false);
				expect(result.errors[0].kind).to.equal("NotStorable");
				expect(result.errors[0].rule).to.equal("json");
			}
			folder.Destroy();
		});
		it("rejects mixed tables, sparse arrays and non-string keys", () => {
			const mixed = { 1: "a", name: "b" };
			const sparse = new Map<number, number>([
				[1, 1],
				[2, 2],
				[4, 4],
			]);
			const boolKeys = new Map<boolean, number>([[true, 1]]);
			expect(anything.validate(mixed).errors[0].rule).to.equal("json");
			expect(anything.validate(sparse).ok).to.equal(false);
			expect(anything.validate(boolKeys).errors[0].rule).to.equal("json");
			expect(anything.check({ list: [1, 2, 3], map: { a: 1 } })).to.equal(true);
		});
		it("rejects nesting deeper than the default 32 tables, and accepts 32", () => {
			expect(anything.check(nested(32))).to.equal(true);
			const result = anything.validate(nested(33));
			expect(result.ok).to.equal(false);
			expect(result.errors[0].rule).to.equal("maxDepth");
			expect(result.errors[0].path.size() > 0).to.equal(true);
		});
		it("honours a configured depth limit", () => {
			const shallow = new DataValidator({ maxDepth: 3 }).compile({} as const);
			expect(shallow.check(nested(3))).to.equal(true);
			expect(shallow.check(nested(4))).to.equal(false);
		});
		it("rejects a cyclic table instead of looping", () => {
			const loop: { self?: object } = {};
			loop.self = loop;
			const result = anything.validate(loop);
			expect(result.ok).to.equal(false);
			expect(result.errors[0].rule).to.equal("maxDepth");
		});
		it("rejects a value whose JSON is longer than 4,194,304 characters", () => {
			expect(DATASTORE_VALUE_LIMIT).to.equal(4194304);
			const fits = string.rep("a", DATASTORE_VALUE_LIMIT - 2);
			const tooLong = string.rep("a", DATASTORE_VALUE_LIMIT - 1);
			expect(anything.check(fits)).to.equal(true);
			const result = anything.validate(tooLong);
			expect(result.ok).to.equal(false);
			expect(result.errors[0].rule).to.equal("maxSize");
			expect(result.errors[0].message).to.equal(
				"JSON encoding is 4194305 characters; a DataStore value holds at most 4194304",
			);
		});
		it("measures escapes exactly when the quick bound is over the limit", () => {
			const small = new DataValidator({ maxSize: 100 }).compile({ type: "object" } as const);
			// {"t":"..."} is 8 characters around the text.
			expect(small.check({ t: string.rep("a", 92) })).to.equal(true);
			expect(small.check({ t: string.rep("a", 93) })).to.equal(false);
			// Each newline encodes as \n: 2 characters.
			expect(small.check({ t: string.rep("\n", 46) })).to.equal(true);
			expect(small.check({ t: string.rep("\n", 47) })).to.equal(false);
		});
		it("never underestimates a value's size: each value fits a limit of exactly its JSON length, not one less", () => {
			const typed = {
				type: "object",
				properties: {
					name: { type: "string" },
					n: { type: "number" },
					list: { type: "array", items: { type: "integer" } },
					flags: { type: "object", additionalProperties: { type: "boolean" } },
				},
			} as const;
			const values: Array<[object, unknown]> = [
				[{}, 'quote " slash / backslash \\ newline \n tab \t bell a'],
				[{}, "héllo wörld ✓ 🎮"],
				[{}, [-1.2345678901234567e300, 1e-300, 0.1, -0, 123456789012345]],
				[{}, { a: {}, b: [], c: [[[]]], d: { e: { f: true } } }],
				[typed, { name: 'a"b', n: -1.5e-7, list: [1, 22, 333], flags: { x: true, y: false } }],
				[typed, {}],
			];
			for (const [schema, value] of values) {
				const length = HttpService.JSONEncode(value).size();
				expect(new DataValidator({ maxSize: length }).compile(schema).check(value)).to.equal(true);
				expect(new DataValidator({ maxSize: length - 1 }).compile(schema).check(value)).to.equal(false);
			}
		});
		it("rejects bad limits in the configuration", () => {
			expect(() => new DataValidator({ maxDepth: 0 })).to.throw("maxDepth must be a whole number");
			expect(() => new DataValidator({ maxSize: 1.5 })).to.throw("maxSize must be a whole number");
		});
	});
};
