import { PROTOCOL_VERSION } from "shared/protocol/Messages";
import { guardPayload } from "shared/protocol/PayloadGuard";
import { KeyRegistry } from "shared/protocol/KeyRegistry";
import { TokenBucket } from "shared/protocol/TokenBucket";
import { proposal } from "./SyncFixture";

function without(field: string): Record<string, unknown> {
	const message = proposal({});
	delete message[field];
	return message;
}

function nested(depth: number): unknown {
	let value: unknown = 1;
	for (let i = 0; i < depth; i++) value = { inner: value };
	return value;
}

export = () => {
	describe("PayloadGuard", () => {
		it("accepts a well-formed proposal and a hello", () => {
			const result = guardPayload(proposal({}));
			expect(result.ok).to.equal(true);
			expect(guardPayload({ type: "hello", v: 1 }).ok).to.equal(true);
		});

		it("accepts a ping and a resync in version 2 and refuses them in version 1", () => {
			expect(guardPayload({ type: "ping", v: PROTOCOL_VERSION }).ok).to.equal(true);
			const resync = guardPayload({ type: "resync", v: PROTOCOL_VERSION, versions: { coins: 3, settings: 0 } });
			expect(resync.ok && resync.message.type === "resync" && resync.message.versions.coins === 3).to.equal(true);
			for (const payload of [
				{ type: "ping", v: 1 },
				{ type: "resync", v: 1, versions: {} },
			]) {
				const result = guardPayload(payload);
				expect(!result.ok && result.reason === "unsupportedVersion").to.equal(true);
			}
			// Version 1 still speaks hello and propose.
			expect(guardPayload({ type: "hello", v: 1 }).ok).to.equal(true);
			expect(guardPayload(proposal({ v: 1 })).ok).to.equal(true);
		});

		it("refuses a resync whose versions are not key names mapped to non-negative integers", () => {
			const cases: Array<unknown> = [
				undefined,
				"all",
				{ coins: -1 },
				{ coins: 0.5 },
				{ coins: "1" },
				{ coins: 2 ** 60 },
				{ [1]: 0 },
				{ [""]: 0 },
				{ [string.rep("k", 65)]: 0 },
			];
			for (const versions of cases) {
				const result = guardPayload({ type: "resync", v: PROTOCOL_VERSION, versions });
				expect(!result.ok && result.reason === "malformed").to.equal(true);
			}
		});

		it("rejects non-tables as malformed", () => {
			for (const payload of [undefined, 1, "propose", true]) {
				const result = guardPayload(payload);
				expect(result.ok).to.equal(false);
				if (!result.ok) expect(result.reason).to.equal("malformed");
			}
		});

		it("rejects a wrong protocol version before reading the tag", () => {
			for (const v of [0, 3, "2", 1.5]) {
				const result = guardPayload(proposal({ v }));
				expect(!result.ok && result.reason === "unsupportedVersion").to.equal(true);
			}
		});

		it("rejects unknown tags and missing or mistyped fields, echoing only well-formed ids", () => {
			const cases: Array<Record<string, unknown>> = [
				proposal({ type: "ack" }),
				without("id"),
				proposal({ id: -3 }),
				proposal({ id: 1.5 }),
				proposal({ id: "1" }),
				without("key"),
				proposal({ key: "" }),
				proposal({ key: 5 }),
				without("base"),
				proposal({ base: -1 }),
				proposal({ base: 0.5 }),
			];
			for (const payload of cases) {
				const result = guardPayload(payload);
				expect(result.ok).to.equal(false);
				if (!result.ok) {
					expect(result.reason).to.equal("malformed");
					expect(result.id === undefined || result.id === 1).to.equal(true);
				}
			}
		});

		it("rejects NaN and infinities anywhere in the payload", () => {
			for (const bad of [0 / 0, math.huge, -math.huge, { a: { b: 0 / 0 } }]) {
				const result = guardPayload(proposal({ value: bad }));
				expect(!result.ok && result.reason === "malformed").to.equal(true);
			}
		});

		it("rejects strings over 16,384 characters in all as tooLarge", () => {
			expect(guardPayload(proposal({ value: string.rep("a", 16_000) })).ok).to.equal(true);
			const result = guardPayload(proposal({ value: string.rep("a", 16_385) }));
			expect(!result.ok && result.reason === "tooLarge").to.equal(true);
		});

		it("rejects more than 512 values as tooLarge", () => {
			const many = new Array<number>();
			for (let i = 1; i <= 600; i++) many.push(i);
			const result = guardPayload(proposal({ value: many }));
			expect(!result.ok && result.reason === "tooLarge").to.equal(true);
		});

		it("rejects nesting past depth 8 as tooDeep, and a cyclic table without looping", () => {
			expect(guardPayload(proposal({ value: nested(6) })).ok).to.equal(true);
			const deep = guardPayload(proposal({ value: nested(8) }));
			expect(!deep.ok && deep.reason === "tooDeep").to.equal(true);
			const cyclic: Record<string, unknown> = {};
			cyclic.self = cyclic;
			const result = guardPayload(proposal({ value: cyclic }));
			expect(!result.ok && result.reason === "tooDeep").to.equal(true);
		});

		it("rejects functions and non-string, non-number table keys as malformed", () => {
			const withFunction = guardPayload(proposal({ value: () => 1 }));
			expect(!withFunction.ok && withFunction.reason === "malformed").to.equal(true);
			const tableKey = new Map<unknown, unknown>();
			tableKey.set({}, 1);
			const result = guardPayload(proposal({ value: tableKey }));
			expect(!result.ok && result.reason === "malformed").to.equal(true);
		});
	});

	describe("KeyRegistry", () => {
		it("lists keys sorted and treats keys without clientWritable as server-only", () => {
			const keys = new KeyRegistry({ b: {}, a: { clientWritable: true, validate: () => true } });
			expect(keys.names()[0]).to.equal("a");
			expect(keys.get("a")!.clientWritable).to.equal(true);
			expect(keys.get("b")!.clientWritable).to.equal(false);
			expect(keys.get("c")).to.equal(undefined);
		});

		it("refuses a client-writable key without a validator", () => {
			expect(() => new KeyRegistry({ open: { clientWritable: true } })).to.throw();
		});

		it("allows client_wins only on client-writable keys, and defaults to server_wins", () => {
			expect(() => new KeyRegistry({ coins: { conflict: "client_wins" } })).to.throw();
			expect(() => new KeyRegistry({ x: { conflict: "merge" as never } })).to.throw();
			const keys = new KeyRegistry({ a: { clientWritable: true, validate: () => true }, b: {} });
			expect(keys.get("a")!.conflict).to.equal("server_wins");
			expect(keys.get("b")!.conflict).to.equal("server_wins");
		});
	});

	describe("TokenBucket", () => {
		it("allows the burst at once, then the rate per second", () => {
			const bucket = new TokenBucket(2, 5, 0);
			let allowed = 0;
			for (let i = 0; i < 10; i++) if (bucket.take(0)) allowed++;
			expect(allowed).to.equal(5);
			expect(bucket.take(0.4)).to.equal(false);
			expect(bucket.take(0.5)).to.equal(true);
			expect(bucket.take(0.5)).to.equal(false);
			allowed = 0;
			for (let i = 0; i < 10; i++) if (bucket.take(10)) allowed++;
			expect(allowed).to.equal(5);
		});

		it("never refuses with an infinite rate and burst, even twice at the same instant", () => {
			const bucket = new TokenBucket(math.huge, math.huge, 0);
			let allowed = 0;
			for (let i = 0; i < 100; i++) if (bucket.take(0)) allowed++;
			expect(allowed).to.equal(100);
		});

		it("does not count seconds twice when the clock steps back", () => {
			const bucket = new TokenBucket(1, 1, 10);
			expect(bucket.take(10)).to.equal(true);
			expect(bucket.take(5)).to.equal(false);
			expect(bucket.take(6.5)).to.equal(false);
			expect(bucket.take(10.5)).to.equal(false);
			expect(bucket.take(11)).to.equal(true);
		});
	});
};
