const HttpService = game.GetService("HttpService");

/** Builds a table with the given keys, the way Luau code would write `{ [k] = v }`. */
function keyed(entries: Array<[defined, defined]>): object {
	const t = new Map<defined, defined>();
	for (const [k, v] of entries) t.set(k, v);
	return t as unknown as object;
}

export = () => {
	describe("HttpService:JSONEncode", () => {
		it("encodes a table with keys 1..n as a JSON array", () => {
			expect(HttpService.JSONEncode([1, "two", true])).to.equal('[1,"two",true]');
		});

		it("encodes a table with string keys as a JSON object", () => {
			expect(HttpService.JSONEncode({ a: 1 })).to.equal('{"a":1}');
			const decoded = HttpService.JSONDecode(HttpService.JSONEncode({ a: 1, b: { c: "d" } })) as {
				a: number;
				b: { c: string };
			};
			expect(decoded.a).to.equal(1);
			expect(decoded.b.c).to.equal("d");
		});

		it("encodes an empty table as an empty JSON array", () => {
			expect(HttpService.JSONEncode({})).to.equal("[]");
			expect(HttpService.JSONEncode([])).to.equal("[]");
		});

		it("encodes a mixed table as its array part and ignores the string keys", () => {
			const mixed = keyed([
				[1, "a"],
				[2, "b"],
				["name", "ignored"],
			]);
			expect(HttpService.JSONEncode(mixed)).to.equal('["a","b"]');
		});

		it("refuses a sparse array rather than losing entries", () => {
			const sparse = keyed([
				[1, "a"],
				[3, "c"],
			]);
			expect(() => HttpService.JSONEncode(sparse)).to.throw("Can't convert to JSON");
			expect(() => HttpService.JSONEncode(keyed([[2, "b"]]))).to.throw("sparse");
		});

		it("refuses keys that are neither strings nor positive integers", () => {
			expect(() => HttpService.JSONEncode(keyed([[true, 1]]))).to.throw("Can't convert to JSON");
			expect(() => HttpService.JSONEncode(keyed([[1.5, 1]]))).to.throw("non-string keys");
		});

		it("writes NaN and the infinities as nan, inf and -inf, as Roblox does (not valid JSON)", () => {
			expect(HttpService.JSONEncode([0 / 0])).to.equal("[nan]");
			expect(HttpService.JSONEncode([math.huge])).to.equal("[inf]");
			expect(HttpService.JSONEncode([-math.huge])).to.equal("[-inf]");
			expect(() => HttpService.JSONDecode("[inf]")).to.throw("Can't parse JSON");
		});

		it("writes numbers in their shortest exact form", () => {
			expect(HttpService.JSONEncode([0.1, 42, -7, 1e300, 2 ** 53])).to.equal(
				"[0.1,42,-7,1e+300,9007199254740992]",
			);
		});

		it("escapes quotes, backslashes and control characters in strings", () => {
			const encoded = HttpService.JSONEncode(['a"b\\c\nd\x01']);
			expect(encoded).to.equal('["a\\"b\\\\c\\nd\\u0001"]');
			expect((HttpService.JSONDecode(encoded) as Array<string>)[0]).to.equal('a"b\\c\nd\x01');
		});

		it("errors on cyclic tables", () => {
			const t: { self?: unknown } = {};
			t.self = t;
			expect(() => HttpService.JSONEncode(t)).to.throw("cyclic");
		});

		it("errors on functions and Instances", () => {
			expect(() => HttpService.JSONEncode([() => 1])).to.throw("Can't convert to JSON");
			expect(() => HttpService.JSONEncode({ part: new Instance("Folder") })).to.throw("Can't convert to JSON");
		});
	});

	describe("HttpService:JSONDecode", () => {
		it("decodes arrays, objects, numbers, booleans, null and unicode escapes", () => {
			const value = HttpService.JSONDecode(
				'{"list":[1,2.5,-3e2],"yes":true,"no":false,"none":null,"u":"\\u00e9\\ud83d\\ude00"}',
			) as {
				list: Array<number>;
				yes: boolean;
				no: boolean;
				none?: unknown;
				u: string;
			};
			expect(value.list.size()).to.equal(3);
			expect(value.list[1]).to.equal(2.5);
			expect(value.list[2]).to.equal(-300);
			expect(value.yes).to.equal(true);
			expect(value.no).to.equal(false);
			expect(value.none).to.equal(undefined);
			expect(value.u).to.equal("é😀");
		});

		it("decodes an empty object and an empty array to empty tables", () => {
			expect(next(HttpService.JSONDecode("{}") as object)[0]).to.equal(undefined);
			expect(next(HttpService.JSONDecode("[]") as object)[0]).to.equal(undefined);
		});

		it("throws on input that is not JSON", () => {
			expect(() => HttpService.JSONDecode("{a:1}")).to.throw("Can't parse JSON");
			expect(() => HttpService.JSONDecode("[1,2")).to.throw("Can't parse JSON");
			expect(() => HttpService.JSONDecode("[1] x")).to.throw("Can't parse JSON");
			expect(() => HttpService.JSONDecode("[1.]")).to.throw("Can't parse JSON");
			expect(() => HttpService.JSONDecode("-")).to.throw("Can't parse JSON");
			expect(() => HttpService.JSONDecode('"unterminated')).to.throw("Can't parse JSON");
			expect(() => HttpService.JSONDecode('"bad \\q escape"')).to.throw("Can't parse JSON");
		});
	});

	describe("HttpService:GenerateGUID", () => {
		it("returns a version-4 UUID in 8-4-4-4-12 form, wrapped in braces unless asked not to", () => {
			const braced = HttpService.GenerateGUID();
			const plain = HttpService.GenerateGUID(false);
			const uuid = "%x%x%x%x%x%x%x%x%-%x%x%x%x%-4%x%x%x%-[89abAB]%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x";
			expect(braced.size()).to.equal(38);
			expect(braced.match(`^{${uuid}}$`)[0] !== undefined).to.equal(true);
			expect(plain.size()).to.equal(36);
			expect(plain.match(`^${uuid}$`)[0] !== undefined).to.equal(true);
			expect(HttpService.GenerateGUID(true).size()).to.equal(38);
		});

		it("does not repeat itself over 10,000 GUIDs", () => {
			const seen = new Set<string>();
			for (let i = 0; i < 10000; i++) seen.add(HttpService.GenerateGUID(false));
			expect(seen.size()).to.equal(10000);
		});
	});

	describe("HttpService requests and helpers", () => {
		it("refuses web requests while HttpEnabled is off, with Roblox's message", () => {
			expect(HttpService.HttpEnabled).to.equal(false);
			expect(() => HttpService.GetAsync("https://example.com")).to.throw("Http requests are not enabled");
			expect(() => HttpService.PostAsync("https://example.com", "{}")).to.throw("Http requests are not enabled");
		});

		it("UrlEncode percent-encodes everything but letters, digits and -_.~", () => {
			expect(HttpService.UrlEncode("a b&c=d/é~x_y-z.")).to.equal("a%20b%26c%3Dd%2F%C3%A9~x_y-z.");
		});
	});
};
