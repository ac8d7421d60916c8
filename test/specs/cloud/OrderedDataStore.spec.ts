import { resetCloud, storedValue } from "../harness/Cloud";
import { errorOf, startsWith } from "./util";

const DataStoreService = game.GetService("DataStoreService");

interface Entry {
	key: string;
	value: number;
}

function pageOf(pages: DataStorePages): Entry[] {
	return pages.GetCurrentPage() as unknown as Entry[];
}

export = () => {
	beforeEach(() => resetCloud());
	// Leave no tunables, faults or data behind for the specs of other files.
	afterEach(() => resetCloud());

	describe("OrderedDataStore", () => {
		const fill = () => {
			const store = DataStoreService.GetOrderedDataStore("Points");
			const scores: [string, number][] = [
				["a", 30],
				["b", 10],
				["c", 50],
				["d", 20],
				["e", 40],
			];
			for (const [key, value] of scores) store.SetAsync(key, value);
			return store;
		};

		it("pages GetSortedAsync results in ascending order", () => {
			const store = fill();
			const pages = store.GetSortedAsync(true, 2);
			const seen: string[] = [];
			for (;;) {
				for (const entry of pageOf(pages)) seen.push(`${entry.key}=${entry.value}`);
				if (pages.IsFinished) break;
				pages.AdvanceToNextPageAsync();
			}
			expect(seen.join(",")).to.equal("b=10,d=20,a=30,e=40,c=50");
		});

		it("pages GetSortedAsync results in descending order", () => {
			const store = fill();
			const first = pageOf(store.GetSortedAsync(false, 3));
			expect(first.size()).to.equal(3);
			expect(first[0].key).to.equal("c");
			expect(first[2].key).to.equal("a");
		});

		it("keeps only values between minValue and maxValue", () => {
			const store = fill();
			const page = pageOf(store.GetSortedAsync(true, 100, 20, 40));
			expect(page.map((e) => e.key).join(",")).to.equal("d,a,e");
		});

		it("stores only integers", () => {
			const store = DataStoreService.GetOrderedDataStore("Points");
			expect(errorOf(() => store.SetAsync("x", 1.5))).to.be.ok();
			expect(errorOf(() => store.SetAsync("x", "ten" as never))).to.be.ok();
			expect(storedValue("Points", "x", undefined, "ordered")).to.equal(undefined);
			store.SetAsync("x", -3);
			expect(storedValue("Points", "x", undefined, "ordered")).to.equal(-3);
		});

		it("rejects a page size outside 1..100 and non-integer bounds with 106, and max below min with 107", () => {
			const store = DataStoreService.GetOrderedDataStore("Points");
			expect(
				startsWith(
					errorOf(() => store.GetSortedAsync(true, 0)),
					"106:",
				),
			).to.equal(true);
			expect(
				startsWith(
					errorOf(() => store.GetSortedAsync(true, 101)),
					"106:",
				),
			).to.equal(true);
			expect(
				startsWith(
					errorOf(() => store.GetSortedAsync(true, 10, 1.5)),
					"106:",
				),
			).to.equal(true);
			expect(
				startsWith(
					errorOf(() => store.GetSortedAsync(true, 10, 5, 4)),
					"107:",
				),
			).to.equal(true);
		});

		it("increments, updates and removes entries, which leave the sorted order", () => {
			const store = fill();
			expect(store.IncrementAsync("b", 100)).to.equal(110);
			store.UpdateAsync("d", (v) => v! - 20);
			store.RemoveAsync("c");
			const page = pageOf(store.GetSortedAsync(false, 10));
			expect(page.map((e) => `${e.key}=${e.value}`).join(",")).to.equal("b=110,e=40,a=30,d=0");
		});

		it("keeps ordered and standard data stores of the same name apart", () => {
			DataStoreService.GetOrderedDataStore("Same").SetAsync("k", 1);
			DataStoreService.GetDataStore("Same").SetAsync("k", "text");
			expect(storedValue("Same", "k", undefined, "ordered")).to.equal(1);
			expect(storedValue("Same", "k")).to.equal("text");
		});

		it("spends the GetSorted budget for each page", () => {
			const store = fill();
			const before = DataStoreService.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetSortedAsync);
			const pages = store.GetSortedAsync(true, 2);
			pages.AdvanceToNextPageAsync();
			const after = DataStoreService.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetSortedAsync);
			expect(before - after).to.equal(2);
		});
	});
};
