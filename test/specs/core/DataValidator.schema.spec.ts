import { DataValidator, Schema } from "shared/core/DataValidator";

export = () => {
	const validator = new DataValidator();
	const compile = (schema: unknown) => () => validator.compile(schema as Schema);

	describe("bad schemas are rejected when compiled", () => {
		it("rejects unknown and misspelt keywords, naming the location", () => {
			expect(compile({ type: "object", properties: { level: { type: "integer", minimun: 1 } } })).to.throw(
				'[DataValidator] invalid schema at #/properties/level: unknown keyword string "minimun"',
			);
		});
		it("rejects unknown type names and explains why null is not a type", () => {
			expect(compile({ type: "float" })).to.throw('unknown type string "float"');
			expect(compile({ type: ["string", "null"] })).to.throw('"null" is not supported');
		});
		it("rejects regular expression syntax in pattern, with the Lua way to write it", () => {
			expect(compile({ type: "string", pattern: "^(cat|dog)$" })).to.throw(
				"| (alternation) is regular expression syntax",
			);
			expect(compile({ type: "string", pattern: "^%d{3}$" })).to.throw(
				"{n,m} counts are regular expression syntax",
			);
			expect(compile({ type: "string", pattern: "^\\d+$" })).to.throw("Lua patterns escape with %");
			expect(compile({ type: "string", pattern: "^(ab)+$" })).to.throw(
				"Lua patterns repeat single characters only",
			);
		});
		it("rejects malformed Lua patterns", () => {
			expect(compile({ type: "string", pattern: "[a-z" })).to.throw("a [set] is not closed");
			expect(compile({ type: "string", pattern: "abc%" })).to.throw("it ends with a lone %");
			expect(compile({ type: "string", pattern: "(abc" })).to.throw("a ( is not closed");
			expect(compile({ type: "string", pattern: "^[a|b]%-%d+$" })).never.to.throw();
		});
		it("rejects contradictory or impossible bounds", () => {
			expect(compile({ type: "number", minimum: 5, maximum: 1 })).to.throw(
				'"minimum" 5 is greater than "maximum" 1',
			);
			expect(compile({ type: "string", minLength: -1 })).to.throw(
				'"minLength" must be a whole number of at least 0',
			);
			expect(compile({ type: "array", minItems: 3, maxItems: 2 })).to.throw(
				'"minItems" 3 is greater than "maxItems" 2',
			);
			expect(compile({ type: "number", multipleOf: 0 })).to.throw('"multipleOf" must be greater than 0');
			expect(compile({ type: "number", maximum: 0 / 0 })).to.throw('"maximum" must be a finite number');
		});
		it("rejects keywords that cannot apply to the node's type", () => {
			expect(compile({ type: "number", maxLength: 3 })).to.throw('"maxLength" applies to string');
			expect(compile({ minimum: 3 })).to.throw('"minimum" needs a "type"');
		});
		it("rejects required names that can never be present, and duplicates", () => {
			expect(
				compile({
					type: "object",
					properties: { a: { type: "number" } },
					required: ["b"],
					additionalProperties: false,
				}),
			).to.throw('"b" is required but additionalProperties is false');
			expect(compile({ type: "object", required: ["a", "a"] })).to.throw('"required" lists "a" twice');
		});
		it("rejects broken references and definitions in the wrong place", () => {
			expect(compile({ type: "object", properties: { a: { $ref: "#/definitions/Missing" } } })).to.throw(
				'$ref "#/definitions/Missing" names no definition',
			);
			expect(
				compile({ definitions: { A: { type: "number" } }, properties: {}, $ref: "#/definitions/A" }),
			).to.throw('"properties" cannot sit beside "$ref"');
			expect(compile({ type: "object", properties: { a: { definitions: {} } } })).to.throw(
				"definitions are only read at the root",
			);
		});
		it("rejects defaults that do not match their own schema", () => {
			expect(compile({ type: "integer", minimum: 0, default: -1 })).to.throw(
				'"default" does not match its own schema: -1 is less than the minimum 0',
			);
			const tree = {
				type: "object",
				properties: {
					name: { type: "string" },
					children: { type: "array", items: { $ref: "#" }, default: [{ name: 5 }] },
				},
			};
			expect(compile(tree)).to.throw('"default" does not match its own schema: expected string, got number 5');
		});
		it("rejects empty or mistyped enums, tuple items and non-schema values", () => {
			expect(compile({ enum: [] })).to.throw('"enum" must be a non-empty list');
			expect(compile({ type: "string", enum: ["a", 1] })).to.throw('"enum" member number 1 does not match');
			expect(compile({ type: "array", items: [{ type: "number" }] })).to.throw("tuple lists are not supported");
			expect(compile({ type: "object", properties: { a: 5 } })).to.throw(
				"#/properties/a: a schema must be a table or a check function",
			);
		});
	});
};
