import { addTimedRecord } from "server/services/data/addTimedRecord";
import type { MemoryStoreHashMapLike } from "server/services/data/ServerPresence";
import { configureFaults } from "../harness/Faults";

function map(name: string): MemoryStoreHashMapLike {
	return game.GetService("MemoryStoreService").GetHashMap(name) as unknown as MemoryStoreHashMapLike;
}

export = () => {
	afterEach(() => configureFaults({}));

	it("keeps every record of the entry younger than the TTL, one per player, the newest replacing an older one", () => {
		const m = map("TimedRecords.keep");
		addTimedRecord(m, "job-a", 1, [7, os.time()], 60);
		addTimedRecord(m, "job-a", 2, [3, "job-b", os.time()], 60);
		addTimedRecord(m, "job-a", 1, [8, os.time()], 60);
		const entry = m.GetAsync("job-a") as Record<string, Array<unknown>>;
		expect(entry["1"][0]).to.equal(8);
		expect(entry["2"][0]).to.equal(3);
		expect(entry["2"][1]).to.equal("job-b");
	});

	it("drops the records older than the TTL when it adds one", () => {
		const m = map("TimedRecords.drop");
		addTimedRecord(m, "job-a", 1, [7, os.time()], 5);
		task.wait(3);
		addTimedRecord(m, "job-a", 2, [4, os.time()], 5);
		task.wait(3);
		addTimedRecord(m, "job-a", 3, [5, os.time()], 5);
		const entry = m.GetAsync("job-a") as Record<string, Array<unknown>>;
		expect(entry["1"]).to.equal(undefined);
		expect(entry["2"][0]).to.equal(4);
		expect(entry["3"][0]).to.equal(5);
	});

	it("swallows a MemoryStore failure: a record is a hint whose loss only costs speed", () => {
		const m = map("TimedRecords.fail");
		configureFaults({ memoryStore: { errorRate: 1 } });
		addTimedRecord(m, "job-a", 1, [7, os.time()], 60);
		configureFaults({});
		expect(m.GetAsync("job-a")).to.equal(undefined);
	});
};
