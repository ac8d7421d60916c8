import { ClaimPlan, DeltaEntry, InboxDocument, InboxEntry, planClaim, SnapshotEntry } from "server/services/data/Inbox";

function delta(coins: number): DeltaEntry {
	return { k: "d", d: { coins }, f: 1 };
}

function snapshot(n: number, coins: number, applied: Array<string>): SnapshotEntry {
	return { k: "s", n, d: { coins }, a: applied };
}

function inbox(entries: Record<string, InboxEntry>): InboxDocument {
	return { e: entries, s: "session" };
}

/** The ids of the deltas a plan adds, in order, joined by commas. */
function deltaIds(plan: ClaimPlan): string {
	return plan.deltas.map(([id]) => id).join(",");
}

/** The coins a profile holds after a claim: the snapshot's, if any, then every planned delta added. */
function coinsAfter(plan: ClaimPlan, coins: number): number {
	let total = plan.snapshot !== undefined ? (plan.snapshot.d as { coins: number }).coins : coins;
	for (const [, entry] of plan.deltas) total += entry.d.coins;
	return total;
}

function sorted(ids: ReadonlyArray<string>): string {
	const copy = [...ids];
	table.sort(copy);
	return copy.join(",");
}

export = () => {
	describe("planClaim", () => {
		it("adds only the deltas the profile has not applied yet, and lets every delta be removed", () => {
			const box = inbox({ g1: delta(10), g2: delta(20), g3: delta(40) });
			const plan = planClaim(box, new Set(["g1", "g3"]));
			expect(deltaIds(plan)).to.equal("g2");
			expect(sorted(plan.newlyApplied)).to.equal("g2");
			expect(sorted(plan.removable)).to.equal("g1,g2,g3");
			expect(plan.snapshot).to.equal(undefined);
			expect(coinsAfter(plan, 50)).to.equal(70);
		});

		it("plans nothing for an inbox whose entries were all applied (a claim that saved but did not remove)", () => {
			const box = inbox({ g1: delta(10), g2: delta(20), s1: snapshot(3, 90, ["g0", "g1", "s1"]) });
			const plan = planClaim(box, new Set(["g0", "g1", "g2", "s1"]));
			expect(deltaIds(plan)).to.equal("");
			expect(plan.newlyApplied.size()).to.equal(0);
			expect(plan.snapshot).to.equal(undefined);
			expect(sorted(plan.removable)).to.equal("g1,g2,s1");
			expect(coinsAfter(plan, 120)).to.equal(120);
		});

		it("replaces the data with an unapplied snapshot and adds only the deltas it does not contain", () => {
			// s1 was taken after g1 was applied: its 100 coins include g1's 10; g2 came later.
			const box = inbox({ g1: delta(10), g2: delta(20), s1: snapshot(4, 100, ["g1", "s1"]) });
			const plan = planClaim(box, new Set());
			expect(plan.snapshot).to.equal(box.e.s1);
			expect(deltaIds(plan)).to.equal("g2");
			expect(sorted(plan.newlyApplied)).to.equal("g1,g2,s1");
			expect(coinsAfter(plan, 0)).to.equal(120);
		});

		it("takes the newest of two unapplied snapshots, and adds nothing either contains", () => {
			const box = inbox({
				g1: delta(10),
				g2: delta(20),
				g3: delta(40),
				s1: snapshot(4, 100, ["g1", "s1"]),
				s2: snapshot(5, 120, ["g1", "s1", "g2", "s2"]),
			});
			const plan = planClaim(box, new Set());
			expect(plan.snapshot).to.equal(box.e.s2);
			expect(deltaIds(plan)).to.equal("g3");
			expect(sorted(plan.newlyApplied)).to.equal("g1,g2,g3,s1,s2");
			expect(coinsAfter(plan, 0)).to.equal(160);
		});

		it("claims every entry exactly once over repeated claims, whatever was applied before", () => {
			// Every subset of four deltas as the profile's applied set; a second claim after applying the
			// first plan must add nothing, and the coins must equal the base plus each delta once.
			const amounts: Record<string, number> = { g1: 1, g2: 10, g3: 100, g4: 1000 };
			const ids = ["g1", "g2", "g3", "g4"];
			const entries: Record<string, InboxEntry> = {};
			for (const id of ids) entries[id] = delta(amounts[id]);
			const box = inbox(entries);
			for (let mask = 0; mask < 16; mask++) {
				const applied = new Set<string>();
				let coins = 5;
				ids.forEach((id, bit) => {
					if ((mask >> bit) % 2 === 1) {
						applied.add(id);
						coins += amounts[id];
					}
				});
				const first = planClaim(box, applied);
				coins = coinsAfter(first, coins);
				for (const id of first.newlyApplied) applied.add(id);
				const second = planClaim(box, applied);
				expect(`${mask}: ${deltaIds(second)}`).to.equal(`${mask}: `);
				expect(`${mask}: ${coinsAfter(second, coins)}`).to.equal(`${mask}: 1116`);
			}
		});

		it("leaves trade escrows and open-offer markers out of the claim", () => {
			const box = inbox({
				g1: delta(10),
				t1: { k: "x", f: 2, g: { coins: 5 }, t: { gems: 1 }, e: 100 },
				"t2:o": { k: "o", r: 3, g: { coins: 7 }, e: 100 },
			});
			const plan = planClaim(box, new Set());
			expect(deltaIds(plan)).to.equal("g1");
			expect(sorted(plan.removable)).to.equal("g1");
		});

		it("plans nothing for a missing inbox", () => {
			const plan = planClaim(undefined, new Set(["g1"]));
			expect(deltaIds(plan)).to.equal("");
			expect(plan.removable.size()).to.equal(0);
		});
	});
};
