import { now } from "../harness/World";

const MemoryStoreService = game.GetService("MemoryStoreService");

function joined(items: Array<unknown>): string {
	return (items as Array<defined>).map((item) => tostring(item)).join(",");
}

export = () => {
	describe("MemoryStoreQueue", () => {
		it("reads higher priorities first, then in order of addition", () => {
			const queue = MemoryStoreService.GetQueue("q-order");
			queue.AddAsync("low-1", 60, 0);
			queue.AddAsync("high", 60, 5);
			queue.AddAsync("low-2", 60, 0);
			queue.AddAsync("mid", 60, 1);
			const [items, id] = queue.ReadAsync(4, false, 0);
			expect(joined(items)).to.equal("high,mid,low-1,low-2");
			queue.RemoveAsync(id);
		});

		it("hides read items until the invisibility timeout, then serves them again", () => {
			const queue = MemoryStoreService.GetQueue("q-invisible", 10);
			queue.AddAsync("job", 600);
			const [first] = queue.ReadAsync(1, false, 0);
			expect(joined(first)).to.equal("job");
			const [hidden, hiddenId] = queue.ReadAsync(1, false, 0);
			expect(hidden.size()).to.equal(0);
			expect(hiddenId).to.equal(undefined);
			task.wait(10.5);
			const [again, againId] = queue.ReadAsync(1, false, 0);
			expect(joined(again)).to.equal("job");
			queue.RemoveAsync(againId);
		});

		it("removes read items for good with the id ReadAsync returned", () => {
			const queue = MemoryStoreService.GetQueue("q-remove", 5);
			queue.AddAsync("a", 600);
			queue.AddAsync("b", 600);
			const [items, id] = queue.ReadAsync(2, false, 0);
			expect(items.size()).to.equal(2);
			queue.RemoveAsync(id);
			task.wait(6);
			expect(queue.GetSizeAsync()).to.equal(0);
		});

		it("ignores RemoveAsync after the invisibility timeout expired", () => {
			const queue = MemoryStoreService.GetQueue("q-late-remove", 5);
			queue.AddAsync("job", 600);
			const [, id] = queue.ReadAsync(1, false, 0);
			task.wait(6);
			queue.RemoveAsync(id);
			expect(queue.GetSizeAsync()).to.equal(1);
			const [items, secondId] = queue.ReadAsync(1, false, 0);
			expect(joined(items)).to.equal("job");
			queue.RemoveAsync(secondId);
			expect(queue.GetSizeAsync()).to.equal(0);
		});

		it("returns nothing with allOrNothing when fewer than count items are available", () => {
			const queue = MemoryStoreService.GetQueue("q-all-or-nothing");
			queue.AddAsync("only", 600);
			const [none] = queue.ReadAsync(2, true, 0);
			expect(none.size()).to.equal(0);
			const [some, id] = queue.ReadAsync(2, false, 0);
			expect(joined(some)).to.equal("only");
			queue.RemoveAsync(id);
		});

		it("waits up to waitTimeout for items, polling every two seconds", () => {
			const queue = MemoryStoreService.GetQueue("q-wait");
			const started = now();
			task.delay(3, () => queue.AddAsync("late", 600));
			const [items, id] = queue.ReadAsync(1, false, 10);
			const waited = now() - started;
			expect(joined(items)).to.equal("late");
			// Polls at 0, 2 and 4 seconds: the item added at 3 s is found by the third.
			expect(waited >= 4).to.equal(true);
			expect(waited < 4.5).to.equal(true);
			queue.RemoveAsync(id);
			const emptyStart = now();
			const [empty] = queue.ReadAsync(1, false, 5);
			expect(empty.size()).to.equal(0);
			expect(now() - emptyStart < 5.5).to.equal(true);
		});

		it("drops items whose expiration passed", () => {
			const queue = MemoryStoreService.GetQueue("q-expiry");
			queue.AddAsync("short", 5);
			queue.AddAsync("long", 600);
			task.wait(6);
			const [items, id] = queue.ReadAsync(2, false, 0);
			expect(joined(items)).to.equal("long");
			queue.RemoveAsync(id);
		});
	});
};
