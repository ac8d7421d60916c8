import { DataValidator } from "shared/core/DataValidator";

export = () => {
	const validator = new DataValidator();
	const schema = {
		type: "object",
		properties: {
			name: { type: "string", minLength: 1, maxLength: 12 },
			level: { type: "integer", minimum: 1, maximum: 100, default: 1 },
			volume: { type: "number", minimum: 0, maximum: 1 },
			settings: {
				type: "object",
				properties: { music: { type: "boolean", default: true } },
				default: { music: false },
			},
			extra: { type: "object", additionalProperties: true },
		},
		required: ["name", "level"],
	} as const;

	describe("sanitize", () => {
		it("strips unknown fields at every level when stripUnknown is on", () => {
			const clean = validator.compile(schema, { stripUnknown: true });
			const result = clean.sanitize({ name: "a", level: 2, hack: 1, settings: { music: true, junk: 2 } });
			expect(result.ok).to.equal(true);
			const value = result.value as unknown as Record<string, Record<string, unknown>>;
			expect(value.hack).to.equal(undefined);
			expect(value.settings.junk).to.equal(undefined);
			expect(value.settings.music).to.equal(true);
		});
		it("keeps undeclared fields where additionalProperties is true", () => {
			const clean = validator.compile(schema, { stripUnknown: true });
			const result = clean.sanitize({ name: "a", level: 2, extra: { anything: 5 } });
			expect((result.value as unknown as { extra: { anything: number } }).extra.anything).to.equal(5);
		});
		it("fills absent fields from copies of their defaults when applyDefaults is on", () => {
			const clean = validator.compile(schema, { applyDefaults: true });
			const first = clean.sanitize({ name: "a" });
			const second = clean.sanitize({ name: "b" });
			expect(first.ok).to.equal(true);
			expect(first.value!.level).to.equal(1);
			expect(first.value!.settings!.music).to.equal(false);
			expect(first.value!.settings).never.to.equal(second.value!.settings);
			expect(schema.properties.settings.default.music).to.equal(false);
		});
		it("leaves absent fields absent without applyDefaults, so a missing required field still fails", () => {
			const plain = validator.compile(schema);
			const result = plain.sanitize({ name: "a" });
			expect(result.ok).to.equal(false);
			expect(result.value).to.equal(undefined);
			expect(result.errors[0].path).to.equal("level");
		});
		it("clamps numbers into [minimum, maximum] when clamp is on", () => {
			const clean = validator.compile(schema, { clamp: true });
			const high = clean.sanitize({ name: "a", level: 500, volume: -0.5 });
			expect(high.ok).to.equal(true);
			expect(high.value!.level).to.equal(100);
			expect(high.value!.volume).to.equal(0);
		});
		it("never clamps NaN or infinities into range: they are rejected", () => {
			const clean = validator.compile(schema, { clamp: true });
			expect(clean.sanitize({ name: "a", level: 1, volume: 0 / 0 }).ok).to.equal(false);
			expect(clean.sanitize({ name: "a", level: math.huge }).ok).to.equal(false);
		});
		it("trims strings before checking their length when trim is on", () => {
			const clean = validator.compile(schema, { trim: true });
			const ok = clean.sanitize({ name: "   Builderman  \n", level: 1 });
			expect(ok.value!.name).to.equal("Builderman");
			const blank = clean.sanitize({ name: "    ", level: 1 });
			expect(blank.ok).to.equal(false);
			expect(blank.errors[0].rule).to.equal("minLength");
		});
		it("never modifies the input and returns a copy sharing no tables", () => {
			const clean = validator.compile(schema, {
				stripUnknown: true,
				applyDefaults: true,
				clamp: true,
				trim: true,
			});
			const input = { name: " x ", level: 900, junk: true, settings: { music: true } };
			const result = clean.sanitize(input);
			expect(result.ok).to.equal(true);
			expect(input.name).to.equal(" x ");
			expect(input.level).to.equal(900);
			expect(input.junk).to.equal(true);
			expect(result.value!.settings).never.to.equal(input.settings);
		});
		it("cleans each member of a type list by its own type, so arrays keep their elements", () => {
			const either = validator.compile(
				{
					type: ["object", "array", "string"],
					properties: { a: { type: "number" } },
					items: { type: "string" },
				} as const,
				{ stripUnknown: true, trim: true },
			);
			const list = either.sanitize(["x", "y"]);
			expect((list.value as string[]).size()).to.equal(2);
			const object = either.sanitize({ a: 1, b: 2 });
			expect((object.value as { b?: number }).b).to.equal(undefined);
			expect(either.sanitize("  s ").value).to.equal("s");
		});
		it("rejects what cleaning cannot fix, returning no value", () => {
			const clean = validator.compile(schema, {
				stripUnknown: true,
				applyDefaults: true,
				clamp: true,
				trim: true,
			});
			const result = clean.sanitize({ name: 42 });
			expect(result.ok).to.equal(false);
			expect(result.value).to.equal(undefined);
			expect(result.errors.map((e) => `${e.path}:${e.rule}`).join(",")).to.equal("name:type");
		});
	});
};
