import { contains, errorOf } from "./errorText";
const MemoryStoreService = game.GetService("MemoryStoreService");

function keysOf(items: Array<{ key: string }>): string {
	return items.map((item) => item.key).join(",");
}

export = () => {
	describe("MemoryStoreSortedMap", () => {
		it("orders numeric sort keys before string sort keys before none, ties by key", () => {
			const map = MemoryStoreService.GetSortedMap("sm-order");
			// The example of the sorted-map documentation, written in a shuffled order.
			map.SetAsync("player7", 8, 60);
			map.SetAsync("player6", 6, 60, "someString");
			map.SetAsync("player3", 5, 60, 3.14);
			map.SetAsync("player5", 4, 60, 1);
			map.SetAsync("player0", 7, 60);
			map.SetAsync("player4", 3, 60, 1);
			map.SetAsync("player2", 2, 60, 0);
			map.SetAsync("player1", 1, 60, -1);
			const ascending = map.GetRangeAsync(Enum.SortDirection.Ascending, 200);
			expect(keysOf(ascending)).to.equal("player1,player2,player4,player5,player3,player6,player0,player7");
			const descending = map.GetRangeAsync(Enum.SortDirection.Descending, 3);
			expect(keysOf(descending)).to.equal("player7,player0,player6");
		});

		it("returns the value and its sort key from GetAsync", () => {
			const map = MemoryStoreService.GetSortedMap("sm-get");
			map.SetAsync("k", { score: 10 }, 60, 10);
			const [value, sortKey] = map.GetAsync("k");
			expect((value as { score: number }).score).to.equal(10);
			expect(sortKey).to.equal(10);
			const [missing, missingSort] = map.GetAsync("absent");
			expect(missing).to.equal(undefined);
			expect(missingSort).to.equal(undefined);
		});

		it("honours exclusive lower and upper bounds in GetRangeAsync", () => {
			const map = MemoryStoreService.GetSortedMap("sm-bounds");
			for (let i = 1; i <= 6; i++) map.SetAsync(`k${i}`, i, 60, i * 10);
			const middle = map.GetRangeAsync(
				Enum.SortDirection.Ascending,
				200,
				{ key: "k2", sortKey: 20 },
				{ key: "k5", sortKey: 50 },
			);
			expect(keysOf(middle)).to.equal("k3,k4");
			const paged = map.GetRangeAsync(Enum.SortDirection.Ascending, 2, { key: "k4", sortKey: 40 });
			expect(keysOf(paged)).to.equal("k5,k6");
		});

		it("passes the sort key to the UpdateAsync transform and stores the one it returns", () => {
			const map = MemoryStoreService.GetSortedMap("sm-update");
			map.SetAsync("k", 1, 60, 5);
			let seenSortKey: unknown;
			const [value, sortKey] = map.UpdateAsync(
				"k",
				((old: number, oldSortKey: number) => {
					seenSortKey = oldSortKey;
					return $tuple(old + 1, oldSortKey + 100);
				}) as (value: unknown) => LuaTuple<[number, number]>,
				60,
			);
			expect(seenSortKey).to.equal(5);
			expect(value).to.equal(2);
			expect(sortKey).to.equal(105);
			const [, stored] = map.GetAsync("k");
			expect(stored).to.equal(105);
		});

		it("reports whether SetAsync added a new key", () => {
			const map = MemoryStoreService.GetSortedMap("sm-set-result");
			expect(map.SetAsync("k", 1, 60)).to.equal(true);
			expect(map.SetAsync("k", 1, 60, 3)).to.equal(false);
			expect(map.GetSizeAsync()).to.equal(1);
		});

		it("rejects sort keys that are neither numbers nor strings of at most 128 characters", () => {
			const map = MemoryStoreService.GetSortedMap("sm-sortkey");
			const bad = errorOf(() => map.SetAsync("k", 1, 60, true as unknown as number));
			expect(contains(bad, "Unable to convert sortKey")).to.equal(true);
			const long = errorOf(() => map.SetAsync("k", 1, 60, string.rep("s", 129)));
			expect(contains(long, "Unable to convert sortKey")).to.equal(true);
			expect(map.SetAsync("k", 1, 60, string.rep("s", 128))).to.equal(true);
		});

		it("rejects a GetRangeAsync count outside 1 to 200", () => {
			const map = MemoryStoreService.GetSortedMap("sm-count");
			expect(
				contains(
					errorOf(() => map.GetRangeAsync(Enum.SortDirection.Ascending, 201)),
					"InvalidRequest",
				),
			).to.equal(true);
			expect(
				contains(
					errorOf(() => map.GetRangeAsync(Enum.SortDirection.Ascending, 0)),
					"InvalidRequest",
				),
			).to.equal(true);
		});

		it("drops expired items from ranges", () => {
			const map = MemoryStoreService.GetSortedMap("sm-expiry");
			map.SetAsync("short", 1, 5, 1);
			map.SetAsync("long", 2, 60, 2);
			expect(keysOf(map.GetRangeAsync(Enum.SortDirection.Ascending, 10))).to.equal("short,long");
			task.wait(6);
			expect(keysOf(map.GetRangeAsync(Enum.SortDirection.Ascending, 10))).to.equal("long");
		});
	});
};
