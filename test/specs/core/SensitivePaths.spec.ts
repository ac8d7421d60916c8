/**
 * The schema's `sensitive: true` marker: compiled like any keyword, and turned into the audit trail's dotted
 * paths by sensitivePathsOf (one marker for the trail, the admin API and field encryption).
 */
import { mapSensitive, parseSensitivePaths } from "shared/core/audit/redactSensitive";
import { DataValidator } from "shared/core/DataValidator";
import { sensitivePathsOf } from "shared/core/validator/sensitivePathsOf";

export = () => {
	describe("sensitivePathsOf", () => {
		it("lists marked fields as dotted paths, with * for map values and array elements, following $ref", () => {
			const schema = {
				type: "object",
				definitions: {
					Contact: { type: "object", properties: { phone: { type: "string", sensitive: true } } },
				},
				properties: {
					email: { type: "string", sensitive: true },
					coins: { type: "integer" },
					profile: { type: "object", properties: { realName: { type: "string", sensitive: true } } },
					friends: {
						type: "object",
						additionalProperties: {
							type: "object",
							properties: { note: { type: "string", sensitive: true } },
						},
					},
					addresses: { type: "array", items: { type: "string", sensitive: true } },
					contact: { $ref: "#/definitions/Contact" },
				},
			} as const;
			expect(sensitivePathsOf(schema).join(",")).to.equal(
				"addresses.*,contact.phone,email,friends.*.note,profile.realName",
			);
		});

		it("compiles a schema carrying the marker, and refuses a marker that is not a boolean", () => {
			const validator = new DataValidator();
			const ok = validator.validate(
				{ type: "object", properties: { email: { type: "string", sensitive: true } } },
				{
					email: "a@b.c",
				},
			);
			expect(ok.ok).to.equal(true);
			const [compiled, err] = pcall(() =>
				validator.compile({
					type: "object",
					properties: { email: { type: "string", sensitive: "yes" } },
				} as never),
			);
			expect(compiled).to.equal(false);
			expect(
				tostring((err as { message?: string }).message ?? err).find("sensitive", 1, true)[0] !== undefined,
			).to.equal(true);
		});
	});

	describe("mapSensitive", () => {
		it("copies only the tables on the way to a sensitive path and shares the others (a save seals a few fields)", () => {
			const data = {
				inventory: { sword: { count: 1 } },
				profile: { realName: "Ada", stats: { level: 3 } },
				friends: { a: { note: "hi", since: { year: 2020 } } },
			};
			const rules = parseSensitivePaths(["profile.realName", "friends.*.note"]);
			const out = mapSensitive(data, [], rules, (v) => `<${v}>`) as typeof data;
			expect(out.profile.realName).to.equal("<Ada>");
			expect(out.friends.a.note).to.equal("<hi>");
			expect(data.profile.realName).to.equal("Ada");
			expect(out).never.to.equal(data);
			expect(out.profile).never.to.equal(data.profile);
			expect(out.friends.a).never.to.equal(data.friends.a);
			// No rule reaches below these: the very same tables, not copies.
			expect(out.inventory).to.equal(data.inventory);
			expect(out.profile.stats).to.equal(data.profile.stats);
			expect(out.friends.a.since).to.equal(data.friends.a.since);
		});
	});
};
