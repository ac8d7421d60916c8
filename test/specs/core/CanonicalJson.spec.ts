import { canonicalJson, checksum } from "shared/core/dal/Canonical";
import type { DataError } from "shared/core/dal/DataError";

/**
 * canonicalJson is hashed into stored checksums (envelopes, quarantine, migration history) and the document
 * HMAC of encrypted profiles: its output must never change, byte for byte, or every stored checksum breaks.
 * These strings were produced by the first implementation and pin every later one.
 */
export = () => {
	// Inside the module's function: TestEZ gives `expect` to this scope only.
	const failure = (value: unknown, rootName?: string): DataError => {
		const [ok, err] = pcall(() => canonicalJson(value, rootName));
		expect(ok).to.equal(false);
		return err as DataError;
	};

	describe("canonicalJson", () => {
		it("sorts object keys at every level and writes arrays in order", () => {
			expect(canonicalJson({ b: 1, a: [true, false, { d: "x", c: undefined }], c: {} })).to.equal(
				'{"a":[true,false,{"d":"x"}],"b":1,"c":[]}',
			);
			expect(canonicalJson(undefined)).to.equal("null");
			expect(canonicalJson({ Z: 1, a: 2, _: 3, "10": 4, "9": 5 })).to.equal('{"10":4,"9":5,"Z":1,"_":3,"a":2}');
		});

		it("writes integers with %d below 2^53 and other numbers with 17 significant digits", () => {
			expect(canonicalJson([0, -0, 1, -42, 125000, 2 ** 53 - 1, 2 ** 53, 0.1, -1.5, 1e300, 1 / 3])).to.equal(
				"[0,0,1,-42,125000,9007199254740991,9007199254740992,0.10000000000000001,-1.5,1.0000000000000001e+300,0.33333333333333331]",
			);
		});

		it("escapes quotes, backslashes and control characters, and leaves other bytes as they are", () => {
			expect(canonicalJson(['say "hi"', "a\\b", "l1\nl2\tx\r\b\f", string.char(1, 31, 127), "é✓/"])).to.equal(
				'["say \\"hi\\"","a\\\\b","l1\\nl2\\tx\\r\\b\\f","\\u0001\\u001f\\u007f","é✓/"]',
			);
			expect(canonicalJson({ 'k"ey': 1, "ok\n": 2 })).to.equal('{"k\\"ey":1,"ok\\n":2}');
		});

		it("gives the same checksum for equal values built in different orders", () => {
			const a: Record<string, unknown> = {};
			const b: Record<string, unknown> = {};
			for (let i = 1; i <= 50; i++) a[`k${i}`] = { n: i, tags: [`t${i}`] };
			for (let i = 50; i >= 1; i--) b[`k${i}`] = { tags: [`t${i}`], n: i };
			expect(canonicalJson(a)).to.equal(canonicalJson(b));
			expect(checksum(canonicalJson(a))).to.equal(checksum(canonicalJson(b)));
			expect(checksum(canonicalJson({ coins: 5, name: "ada" }))).to.equal("627f65a3");
		});

		it("refuses what a DataStore cannot hold, naming the path of the offending value", () => {
			// A literal with a hole keeps its array part: its length is 3 and it holds 2 items.
			const sparse = [1, undefined, 3];
			const cases: Array<[unknown, string]> = [
				[{ a: { b: [1, 0 / 0] } }, "data.a.b[2] is nan: NaN and infinities cannot be stored"],
				[{ list: [1, { deep: math.huge }] }, "data.list[2].deep is inf: NaN and infinities cannot be stored"],
				[{ x: sparse }, "data.x is a sparse array"],
				[{ y: { 1: "a", name: "b" } }, "data.y mixes array items and string keys"],
				[
					{ z: new Map([[true, 1]]) },
					"data.z has a boolean key true: tables must be arrays (keys 1..n) or have only string keys",
				],
				[{ m: setmetatable({}, {}) }, "data.m has a metatable; only plain tables can be stored"],
				[{ f: [[() => 1]] }, "data.f[1][1] is a function; only JSON values can be stored"],
			];
			for (const [value, message] of cases) {
				const err = failure(value, "data");
				expect(err.kind).to.equal("NotStorable");
				expect(err.message).to.equal(`[DataAccessLayer] ${message}`);
			}
			let deep: object = { leaf: 1 };
			for (let i = 0; i < 70; i++) deep = { n: deep };
			expect(failure(deep).message.find("nests deeper than 64 levels", 1, true)[0] !== undefined).to.equal(true);
			expect(failure(deep).message.sub(1, 31)).to.equal("[DataAccessLayer] value.n.n.n.n");
		});

		it("encodes again after a refused value (no state left from the failed encoding)", () => {
			failure({ a: [1, { b: 0 / 0 }] });
			expect(canonicalJson({ ok: [1, 2] })).to.equal('{"ok":[1,2]}');
		});
	});
};
