import { cloudMillis, resetCloud, skipCloudClock, skipToNextHour, stored, storedVersions } from "../harness/Cloud";
import { errorOf } from "./util";

const DataStoreService = game.GetService("DataStoreService");
const DAY = 24 * 3600;

function versionsOf(store: DataStore, key: string, direction?: Enum.SortDirection): DataStoreObjectVersionInfo[] {
	const pages = store.ListVersionsAsync(key, direction);
	const out: DataStoreObjectVersionInfo[] = [];
	for (;;) {
		for (const item of pages.GetCurrentPage()) out.push(item as DataStoreObjectVersionInfo);
		if (pages.IsFinished) break;
		pages.AdvanceToNextPageAsync();
	}
	return out;
}

export = () => {
	beforeEach(() => resetCloud());
	// Leave no tunables, faults or data behind for the specs of other files.
	afterEach(() => resetCloud());

	describe("DataStore versions", () => {
		it("creates a version only for the first write to a key in each UTC hour", () => {
			const store = DataStoreService.GetDataStore("Hourly");
			skipToNextHour(10);
			const first = store.SetAsync("k", 1);
			const second = store.SetAsync("k", 2);
			store.SetAsync("k", 3);
			expect(second).to.equal(first);
			expect(storedVersions("Hourly", "k").size()).to.equal(1);
			expect(stored("Hourly", "k")!.value).to.equal(3);
			skipToNextHour(5);
			const third = store.SetAsync("k", 4);
			expect(third).never.to.equal(first);
			const versions = versionsOf(store, "k");
			expect(versions.size()).to.equal(2);
			expect(versions[0].Version).to.equal(first);
			expect(versions[1].Version).to.equal(third);
		});

		it("returns an earlier version's value with GetVersionAsync", () => {
			const store = DataStoreService.GetDataStore("Old");
			const v1 = store.SetAsync("k", "first");
			skipToNextHour();
			store.SetAsync("k", "second");
			const [value, info] = store.GetVersionAsync("k", v1);
			expect(value).to.equal("first");
			expect(info!.Version).to.equal(v1);
			expect(store.GetVersionAsync("k", "no-such-version")[0]).to.equal(undefined);
		});

		it("returns the version current at a time with GetVersionAtTimeAsync", () => {
			const store = DataStoreService.GetDataStore("AtTime");
			store.SetAsync("k", "morning");
			const between = cloudMillis();
			skipToNextHour();
			store.SetAsync("k", "noon");
			expect(store.GetVersionAtTimeAsync("k", between)).to.equal("morning");
			expect(store.GetVersionAtTimeAsync("k", cloudMillis())).to.equal("noon");
			expect(store.GetVersionAtTimeAsync("k", 1000)).to.equal(undefined);
		});

		it("rejects GetVersionAtTimeAsync timestamps that are not positive or more than 10 minutes ahead", () => {
			const store = DataStoreService.GetDataStore("AtTime");
			expect(errorOf(() => store.GetVersionAtTimeAsync("k", 0))).to.be.ok();
			expect(errorOf(() => store.GetVersionAtTimeAsync("k", cloudMillis() + 11 * 60 * 1000))).to.be.ok();
			expect(errorOf(() => store.GetVersionAtTimeAsync("k", cloudMillis() + 9 * 60 * 1000))).to.equal(undefined);
		});

		it("lists versions newest first with SortDirection.Descending", () => {
			const store = DataStoreService.GetDataStore("Order");
			const v1 = store.SetAsync("k", 1);
			skipToNextHour();
			const v2 = store.SetAsync("k", 2);
			const versions = versionsOf(store, "k", Enum.SortDirection.Descending);
			expect(versions[0].Version).to.equal(v2);
			expect(versions[1].Version).to.equal(v1);
			expect(versions[0].CreatedTime > versions[1].CreatedTime).to.equal(true);
		});

		it("lists only versions created between minDate and maxDate", () => {
			const store = DataStoreService.GetDataStore("Window");
			store.SetAsync("k", 1);
			skipToNextHour();
			const from = cloudMillis();
			store.SetAsync("k", 2);
			skipToNextHour();
			const to = cloudMillis() - 1;
			store.SetAsync("k", 3);
			const pages = store.ListVersionsAsync("k", Enum.SortDirection.Ascending, from, to);
			const page = pages.GetCurrentPage() as DataStoreObjectVersionInfo[];
			expect(page.size()).to.equal(1);
			expect(store.GetVersionAsync("k", page[0].Version)[0]).to.equal(2);
		});

		it("removes an older version with RemoveVersionAsync but never the latest", () => {
			const store = DataStoreService.GetDataStore("RemoveVersion");
			const v1 = store.SetAsync("k", 1);
			skipToNextHour();
			const v2 = store.SetAsync("k", 2);
			store.RemoveVersionAsync("k", v1);
			expect(store.GetVersionAsync("k", v1)[0]).to.equal(undefined);
			expect(errorOf(() => store.RemoveVersionAsync("k", v2))).to.be.ok();
			expect(store.GetVersionAsync("k", v2)[0]).to.equal(2);
		});

		it("reports CreatedTime of the key and UpdatedTime of the last write in Unix milliseconds", () => {
			const store = DataStoreService.GetDataStore("Times");
			const before = cloudMillis();
			store.SetAsync("k", 1);
			skipCloudClock(120);
			store.SetAsync("k", 2);
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			const [, info] = store.GetAsync("k", options);
			expect(info!.CreatedTime >= before && info!.CreatedTime < before + 5000).to.equal(true);
			expect(info!.UpdatedTime - info!.CreatedTime >= 120000).to.equal(true);
		});

		it("expires an overwritten version 30 days after it was overwritten and keeps the latest forever", () => {
			const store = DataStoreService.GetDataStore("Retention");
			const v1 = store.SetAsync("k", 1);
			skipToNextHour();
			const v2 = store.SetAsync("k", 2);
			skipCloudClock(29 * DAY);
			expect(store.GetVersionAsync("k", v1)[0]).to.equal(1);
			skipCloudClock(2 * DAY);
			expect(store.GetVersionAsync("k", v1)[0]).to.equal(undefined);
			skipCloudClock(400 * DAY);
			expect(store.GetVersionAsync("k", v2)[0]).to.equal(2);
		});

		it("deletes a removed key 30 days after its tombstone", () => {
			const store = DataStoreService.GetDataStore("Tombstone");
			store.SetAsync("k", 1);
			skipToNextHour();
			store.RemoveAsync("k");
			expect(stored("Tombstone", "k")!.deleted).to.equal(true);
			const keys = () => {
				const out: string[] = [];
				for (const key of store.ListKeysAsync().GetCurrentPage()) out.push((key as DataStoreKey).KeyName);
				return out;
			};
			expect(keys().size()).to.equal(1);
			skipCloudClock(31 * DAY);
			expect(stored("Tombstone", "k")).to.equal(undefined);
			expect(keys().size()).to.equal(0);
		});
	});
};
