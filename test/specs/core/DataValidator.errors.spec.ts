import { DataValidator, formatPath } from "shared/core/DataValidator";

export = () => {
	const validator = new DataValidator();
	const profile = validator.compile({
		type: "object",
		properties: {
			name: { type: "string", minLength: 3 },
			level: { type: "integer", minimum: 1, maximum: 100 },
			inventory: {
				type: "array",
				items: {
					type: "object",
					properties: { id: { type: "string" }, count: { type: "integer", minimum: 1 } },
					required: ["id", "count"],
					additionalProperties: false,
				},
			},
			tags: { type: "object", additionalProperties: { type: "boolean" } },
		},
		required: ["name", "level"],
		additionalProperties: false,
	} as const);

	describe("error lists", () => {
		it("lists every violation of a value in one result, not just the first", () => {
			const result = profile.validate({
				name: "ab",
				level: 101,
				inventory: [
					{ id: "a", count: 1 },
					{ id: "b", count: 0 },
					{ id: 3, count: 2 },
					{ id: "d", count: 1, extra: true },
				],
				cheat: 1,
			});
			expect(result.ok).to.equal(false);
			const found = new Set(result.errors.map((e) => `${e.kind} ${e.path} ${e.rule}`));
			expect(result.errors.size()).to.equal(6);
			expect(found.has("ConstraintViolated name minLength")).to.equal(true);
			expect(found.has("ConstraintViolated level maximum")).to.equal(true);
			expect(found.has("ConstraintViolated inventory[1].count minimum")).to.equal(true);
			expect(found.has("TypeMismatch inventory[2].id type")).to.equal(true);
			expect(found.has("UnknownField inventory[3].extra additionalProperties")).to.equal(true);
			expect(found.has("UnknownField cheat additionalProperties")).to.equal(true);
		});
		it("uses 0-based indices in paths, as TypeScript indexes the same array", () => {
			const data = {
				name: "abc",
				level: 1,
				inventory: [
					{ id: "a", count: 1 },
					{ id: "b", count: 1 },
					{ id: "c", count: 1 },
					{ id: "d", count: -5 },
				],
			};
			const result = profile.validate(data);
			expect(result.errors.size()).to.equal(1);
			expect(result.errors[0].path).to.equal("inventory[3].count");
			expect(result.errors[0].value).to.equal(data.inventory[3].count);
		});
		it("gives each error its kind, path, rule, message and the offending value", () => {
			const result = profile.validate({ name: "abc", level: 250 });
			const e = result.errors[0];
			expect(e.kind).to.equal("ConstraintViolated");
			expect(e.path).to.equal("level");
			expect(e.rule).to.equal("maximum");
			expect(e.message).to.equal("250 is greater than the maximum 100");
			expect(e.value).to.equal(250);
		});
		it("reports several broken keywords of the same value", () => {
			const result = profile.validate({ name: "abc", level: 100.5 });
			expect(result.errors.map((e) => e.rule).join(",")).to.equal("type,maximum");
		});
		it("names missing required fields at the field's own path", () => {
			const result = profile.validate({ inventory: [{ id: "a" }] });
			const paths = result.errors.map((e) => `${e.kind}:${e.path}`).join(",");
			expect(paths.find("MissingField:inventory[0].count", 1, true)[0]).to.be.ok();
			expect(paths.find("MissingField:name", 1, true)[0]).to.be.ok();
			expect(paths.find("MissingField:level", 1, true)[0]).to.be.ok();
			expect(result.errors.size()).to.equal(3);
		});
		it("quotes keys that are not identifiers", () => {
			const result = profile.validate({ name: "abc", level: 1, tags: { "two words": 1 } });
			expect(result.errors[0].path).to.equal('tags["two words"]');
			expect(formatPath(["inventory", 3, "count"])).to.equal("inventory[3].count");
			expect(formatPath([])).to.equal("");
		});
		it("returns one shared frozen success result, allocating nothing when valid", () => {
			const a = profile.validate({ name: "abc", level: 1 });
			const b = profile.validate({ name: "xyz", level: 2 });
			expect(a.ok).to.equal(true);
			expect(a.errors.size()).to.equal(0);
			expect(a).to.equal(b);
			expect(table.isfrozen(a)).to.equal(true);
		});
		it("agrees between check and validate on valid and invalid values", () => {
			const values: unknown[] = [
				{ name: "abc", level: 1 },
				{ name: "abc" },
				"x",
				{ name: "abc", level: 1, z: 1 },
			];
			for (const value of values) {
				expect(profile.check(value)).to.equal(profile.validate(value).ok);
			}
		});
	});
};
