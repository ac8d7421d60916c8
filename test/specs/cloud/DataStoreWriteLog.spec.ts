import { configureDataStoreFaults, dataStoreWrites, resetCloud } from "../harness/Cloud";
import { errorOf, transformed, waitAll } from "./util";

const DataStoreService = game.GetService("DataStoreService");

export = () => {
	beforeEach(() => resetCloud());
	// Leave no faults or data behind for the specs of other files.
	afterEach(() => resetCloud());

	describe("DataStore write log", () => {
		it("lists writes in the order they landed, not the order they were sent", () => {
			const store = DataStoreService.GetDataStore("Log");
			let done = 0;
			// "slow" is sent first with 2 s of latency, "fast" 0.1 s later with 0.2 s: fast lands first.
			configureDataStoreFaults({ latency: { min: 2, max: 2 } });
			task.spawn(() => {
				store.SetAsync("slow", 1);
				done += 1;
			});
			task.wait(0.1);
			configureDataStoreFaults({ latency: { min: 0.2, max: 0.2 } });
			task.spawn(() => {
				store.SetAsync("fast", 2);
				done += 1;
			});
			waitAll(() => done === 2);
			const writes = dataStoreWrites("Log");
			expect(writes.size()).to.equal(2);
			expect(writes[0].key).to.equal("fast");
			expect(writes[1].key).to.equal("slow");
			expect(writes[0].time < writes[1].time).to.equal(true);
			expect(writes[0].serial).to.equal(1);
		});

		it("records every kind of write with its key's serial, and filters by data store name", () => {
			const store = DataStoreService.GetDataStore("Log");
			const other = DataStoreService.GetDataStore("Other");
			store.SetAsync("k", 1);
			store.UpdateAsync("k", (value: number | undefined) => transformed((value ?? 0) + 1));
			store.IncrementAsync("k", 5);
			other.SetAsync("k", 1);
			store.RemoveAsync("k");
			const writes = dataStoreWrites("Log");
			expect(writes.size()).to.equal(4);
			for (let i = 0; i < 4; i++) expect(writes[i].serial).to.equal(i + 1);
			expect(writes[3].deleted).to.equal(true);
			expect(writes[0].deleted).to.equal(false);
			expect(dataStoreWrites("Other").size()).to.equal(1);
			expect(dataStoreWrites().size()).to.equal(5);
		});

		it("leaves out failed writes and cancelled transforms, keeps writes that landed but reported failure", () => {
			const store = DataStoreService.GetDataStore("Log");
			store.UpdateAsync("k", () => transformed(undefined));
			configureDataStoreFaults({ errorRate: { "*": 1 } });
			expect(errorOf(() => store.SetAsync("failed", 1))).to.be.ok();
			configureDataStoreFaults({ failedButAppliedRate: 1 });
			expect(errorOf(() => store.SetAsync("landed", 1))).to.be.ok();
			const writes = dataStoreWrites("Log");
			expect(writes.size()).to.equal(1);
			expect(writes[0].key).to.equal("landed");
		});

		it("keeps only the newest writes past its limit (10,000 to 20,000), so long chaos runs stay small", () => {
			const entries = __runtime.DataStoreEntries as { WRITE_LOG_LIMIT: number };
			const limit = entries.WRITE_LOG_LIMIT;
			expect(limit).to.equal(10000);
			entries.WRITE_LOG_LIMIT = 2;
			try {
				const store = DataStoreService.GetDataStore("Log");
				for (let i = 1; i <= 5; i++) store.SetAsync(`k${i}`, i);
				const writes = dataStoreWrites("Log");
				// Trimmed to the newest 2 when the fifth write made 5 > 2 * 2.
				expect(writes.size()).to.equal(2);
				expect(writes[0].key).to.equal("k4");
				expect(writes[1].key).to.equal("k5");
			} finally {
				entries.WRITE_LOG_LIMIT = limit;
			}
		});

		it("forgets the log on reset", () => {
			DataStoreService.GetDataStore("Log").SetAsync("k", 1);
			expect(dataStoreWrites().size()).to.equal(1);
			resetCloud();
			expect(dataStoreWrites().size()).to.equal(0);
		});
	});
};
