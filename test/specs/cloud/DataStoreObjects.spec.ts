/**
 * Details of DataStore objects and listings that Roblox documents and that a library can trip over
 * (cloud-services/data-stores/versioning-listing-and-caching, reference/engine/classes/DataStore,
 * reference/engine/classes/DataStoreService).
 */
import { resetCloud, skipToNextHour } from "../harness/Cloud";

const DataStoreService = game.GetService("DataStoreService");
const CACHING = "cloud-services/data-stores/versioning-listing-and-caching";

function listedNames(prefix: string): string {
	const names: string[] = [];
	for (const info of DataStoreService.ListDataStoresAsync(prefix).GetCurrentPage() as DataStoreInfo[]) {
		names.push(info.DataStoreName);
	}
	return names.join(",");
}

export = () => {
	beforeEach(() => resetCloud());
	afterEach(() => resetCloud());

	describe("DataStore objects and listings", () => {
		it(`keeps the GetAsync cache per DataStore object: a scoped and an AllScopes object can disagree (${CACHING})`, () => {
			const scoped = DataStoreService.GetDataStore("PerObject", "s");
			const options = new Instance("DataStoreOptions");
			options.AllScopes = true;
			const all = DataStoreService.GetDataStore("PerObject", "", options);
			scoped.SetAsync("k", 1);
			expect(all.GetAsync("s/k")[0]).to.equal(1);
			// A write through the scoped object refreshes only that object's cache.
			scoped.SetAsync("k", 2);
			expect(scoped.GetAsync("k")[0]).to.equal(2);
			expect(all.GetAsync("s/k")[0]).to.equal(1);
			task.wait(4.1);
			expect(all.GetAsync("s/k")[0]).to.equal(2);
		});

		it(`gives ListVersionsAsync pages of up to 1,024 versions when no page size is given (reference/engine/classes/DataStore)`, () => {
			const store = DataStoreService.GetDataStore("ManyVersions");
			for (let i = 0; i < 60; i++) {
				skipToNextHour();
				store.SetAsync("k", i);
			}
			const pages = store.ListVersionsAsync("k");
			expect(pages.GetCurrentPage().size()).to.equal(60);
			expect(pages.IsFinished).to.equal(true);
			expect(store.ListVersionsAsync("k", undefined, undefined, undefined, 25).GetCurrentPage().size()).to.equal(
				25,
			);
		});

		it(`lists only data stores that hold at least one object (reference/engine/classes/DataStoreService)`, () => {
			DataStoreService.GetDataStore("ListedFull").SetAsync("k", 1);
			const emptied = DataStoreService.GetDataStore("ListedEmptied");
			emptied.SetAsync("k", 1);
			emptied.RemoveAsync("k");
			DataStoreService.GetDataStore("ListedCancelled").UpdateAsync("k", () => $tuple(undefined));
			DataStoreService.GetDataStore("ListedNeverWritten").GetAsync("k");
			expect(listedNames("Listed")).to.equal("ListedFull");
			emptied.SetAsync("k", 2);
			expect(listedNames("Listed")).to.equal("ListedEmptied,ListedFull");
		});
	});
};
