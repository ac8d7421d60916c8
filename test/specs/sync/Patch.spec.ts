import { HttpService } from "@rbxts/services";
import { deepCopy } from "shared/protocol/deepCopy";
import { applyPatch, diffValue, encodedSize, PatchOp } from "shared/protocol/Patch";

type Item = { id: string; count: number; rarity: string };

function inventory(size: number): Array<Item> {
	const items = new Array<Item>();
	for (let i = 1; i <= size; i++) items.push({ id: `item_${i}`, count: i % 7, rarity: "rare" });
	return items;
}

function same(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!typeIs(a, "table") || !typeIs(b, "table")) return false;
	for (const [k, v] of pairs(a)) if (!same(v, (b as Record<string, unknown>)[k as string])) return false;
	for (const [k] of pairs(b)) if ((a as Record<string, unknown>)[k as string] === undefined) return false;
	return true;
}

/** A random nested value of plain data: tables of up to 6 entries (string or array keys), 4 levels deep. */
function randomValue(rng: Random, depth: number): unknown {
	const roll = rng.NextInteger(1, depth >= 4 ? 3 : 5);
	if (roll === 1) return rng.NextInteger(-5, 5);
	if (roll === 2) return `s${rng.NextInteger(1, 4)}`;
	if (roll === 3) return rng.NextInteger(0, 1) === 1;
	const value: Record<string | number, unknown> = {};
	const size = rng.NextInteger(0, 6);
	for (let i = 1; i <= size; i++) {
		const key = roll === 4 ? i : `k${rng.NextInteger(1, 8)}`;
		value[key] = randomValue(rng, depth + 1);
	}
	return value;
}

/** A few random edits of a copy of `value`: replace, add and remove entries at random depths. */
function mutate(rng: Random, value: unknown, depth = 1): unknown {
	if (!typeIs(value, "table") || rng.NextInteger(1, 6) === 1) return randomValue(rng, depth);
	const copy = deepCopy(value) as Record<string | number, unknown>;
	const keys = new Array<string | number>();
	for (const [k] of pairs(copy)) keys.push(k as string | number);
	for (const k of keys) {
		const roll = rng.NextInteger(1, 6);
		if (roll === 1) copy[k] = undefined;
		else if (roll === 2) copy[k] = mutate(rng, copy[k], depth + 1);
	}
	if (rng.NextInteger(1, 3) === 1) copy[`new${rng.NextInteger(1, 3)}`] = randomValue(rng, depth + 1);
	return copy;
}

export = () => {
	describe("Patch", () => {
		it("turns a one-item change of a 500-entry inventory into one op, 1/1000 of the value's bytes", () => {
			const before = inventory(500);
			const after = deepCopy(before);
			after[250 - 1].count += 1;
			const ops = diffValue(before, after, encodedSize(after))!;
			expect(ops.size()).to.equal(1);
			expect(HttpService.JSONEncode(ops[0].path)).to.equal('[250,"count"]');
			expect(ops[0].value).to.equal(after[249].count);
			const opBytes = HttpService.JSONEncode(ops).size();
			const wholeBytes = HttpService.JSONEncode(after).size();
			expect(opBytes < wholeBytes / 500).to.equal(true);
			expect(same(applyPatch(before, ops)!.value, after)).to.equal(true);
		});

		it("says removed for a field that is gone and sets a field that is new", () => {
			const before = { a: 1, b: { c: 2, d: 3 } };
			const after = { a: 1, b: { c: 2, e: 4 } };
			const ops = diffValue(before, after, 1000)!;
			expect(ops.size()).to.equal(2);
			const removed = ops.find((op) => op.removed === true)!;
			expect(HttpService.JSONEncode(removed.path)).to.equal('["b","d"]');
			const set = ops.find((op) => op.removed !== true)!;
			expect(HttpService.JSONEncode(set.path)).to.equal('["b","e"]');
			expect(set.value).to.equal(4);
			const patched = applyPatch(before, ops)!.value as typeof after & { b: { d?: number } };
			expect(patched.b.d).to.equal(undefined);
			expect(patched.b.e).to.equal(4);
			// The base is left as it was.
			expect(before.b.d).to.equal(3);
		});

		it("replaces the whole value with an empty path when it is not a table on both sides", () => {
			const ops = diffValue(5, { a: 1 }, 1000)!;
			expect(ops.size()).to.equal(1);
			expect(ops[0].path.size()).to.equal(0);
			expect((applyPatch(5, ops)!.value as { a: number }).a).to.equal(1);
			expect(diffValue("same", "same", 1000)!.size()).to.equal(0);
		});

		it("gives up when the patch would not be smaller than its budget", () => {
			const before = inventory(50);
			// Two of three fields of every item change: two ops an item weigh more than the item.
			const after = inventory(50);
			for (const item of after) {
				item.count += 1;
				item.id = `other_${item.id}`;
			}
			expect(diffValue(before, after, encodedSize(after))).to.equal(undefined);
			// One changed item fits a budget of the whole value; it does not fit 10 bytes.
			const one = deepCopy(before);
			one[0].count += 1;
			expect(diffValue(before, one, encodedSize(one))).never.to.equal(undefined);
			expect(diffValue(before, one, 10)).to.equal(undefined);
		});

		it("shrinks an array by removing its last slots", () => {
			const before = [1, 2, 3, 4, 5];
			const after = [1, 2, 3];
			const ops = diffValue(before, after, 1000)!;
			expect(ops.size()).to.equal(2);
			const patched = applyPatch(before, ops)!.value as Array<number>;
			expect(patched.size()).to.equal(3);
			expect(same(patched, after)).to.equal(true);
		});

		it("round-trips 500 random edits of random nested values (seeded)", () => {
			const rng = new Random(424242);
			let failures = 0;
			for (let i = 0; i < 500; i++) {
				const before = randomValue(rng, 1);
				const after = mutate(rng, before);
				const ops = diffValue(before, after, math.huge)!;
				const patched = applyPatch(before, ops);
				if (patched === undefined || !same(patched.value, after)) failures++;
			}
			expect(failures).to.equal(0);
		});

		it("refuses ops it cannot read or that do not fit the base, without changing the base", () => {
			const base = { a: { b: 1 }, n: 5 };
			const cases: Array<unknown> = [
				"ops",
				5,
				{ path: ["a"], value: 1 },
				[5],
				[{ value: 1 }],
				[{ path: "a", value: 1 }],
				[{ path: ["a", true], value: 1 }],
				[{ path: ["n", "x"], value: 1 }],
				[{ path: ["missing", "x"], value: 1 }],
				[{ path: ["a"], removed: "yes" }],
				[{ path: [0 / 0], value: 1 }],
				[{ path: { 1: "a", 3: "b" }, value: 1 }],
				{ 1: { path: ["a"], value: 1 }, 3: { path: ["n"], value: 2 } },
				// A good op first, then a bad one: nothing of it is kept.
				[
					{ path: ["n"], value: 6 },
					{ path: ["n", "deeper"], value: 7 },
				],
			];
			for (const ops of cases) expect(applyPatch(base, ops)).to.equal(undefined);
			expect(base.n).to.equal(5);
			expect(base.a.b).to.equal(1);
		});

		it("copies op values in, so the patched value shares nothing with the message", () => {
			const inner = { deep: 1 };
			const ops: Array<PatchOp> = [{ path: ["a"], value: inner }];
			const patched = applyPatch({ a: 0 }, ops)!.value as { a: { deep: number } };
			inner.deep = 2;
			expect(patched.a.deep).to.equal(1);
		});
	});
};
