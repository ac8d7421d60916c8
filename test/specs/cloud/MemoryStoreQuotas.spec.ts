import { contains, errorOf } from "./errorText";
import { newServer } from "../harness/World";

const MemoryStoreService = game.GetService("MemoryStoreService");

type Usage = {
	currentUsers: number;
	quotaUsers: number;
	memoryUsed: number;
	memoryQuota: number;
	unitsLastMinute: number;
	requestQuota: number;
};
type MemoryStoreRuntime = { usage(this: void): Usage; QUOTA_TRACEBACK: number };

function runtime(): MemoryStoreRuntime {
	return __runtime.MemoryStore as MemoryStoreRuntime;
}

export = () => {
	describe("MemoryStore quotas", () => {
		it("sets the memory quota to 64 KB plus 1.2 KB per user, raised at once when users join", () => {
			const before = runtime().usage();
			expect(before.memoryQuota).to.equal(65536 + math.floor(1.2 * 1024 * before.quotaUsers));
			const server = newServer({ runScripts: false });
			for (let i = 0; i < 50; i++) server.addPlayer({ userId: 5000 + i });
			const after = runtime().usage();
			expect(after.currentUsers).to.equal(before.currentUsers + 50);
			expect(after.quotaUsers).to.equal(math.max(before.quotaUsers, after.currentUsers));
			expect(after.memoryQuota).to.equal(65536 + math.floor(1.2 * 1024 * after.quotaUsers));
			server.shutdown();
		});

		it("keeps a raised memory quota for eight days after users leave", () => {
			expect(runtime().QUOTA_TRACEBACK).to.equal(8 * 24 * 3600);
			// The spec runner bounds each test to 30 virtual minutes, so the mechanism is checked on a
			// ten-minute traceback and the constant above pins the real eight days.
			const rt = runtime();
			const saved = rt.QUOTA_TRACEBACK;
			rt.QUOTA_TRACEBACK = 600;
			const server = newServer({ runScripts: false });
			const players: Array<Player> = [];
			for (let i = 0; i < 200; i++) players.push(server.addPlayer({ userId: 6000 + i }));
			const raised = rt.usage().memoryQuota;
			for (const player of players) server.removePlayer(player);
			task.wait(590);
			expect(rt.usage().memoryQuota).to.equal(raised);
			task.wait(20);
			const lowered = rt.usage();
			expect(lowered.quotaUsers).to.equal(lowered.currentUsers);
			expect(lowered.memoryQuota < raised).to.equal(true);
			rt.QUOTA_TRACEBACK = saved;
			server.shutdown();
		});

		it("fails writes that would grow memory past the quota with TotalMemoryOverLimit, but not shrinking ones", () => {
			const map = MemoryStoreService.GetHashMap("quota-fill");
			const big = string.rep("x", 30000);
			let failure = "<no error>";
			let written = 0;
			for (let i = 1; i <= 100 && failure === "<no error>"; i++) {
				const usage = runtime().usage();
				failure = errorOf(() => map.SetAsync(`fill${i}`, big, 120));
				if (failure === "<no error>") {
					written = i;
				} else {
					// It failed exactly because this item would not fit.
					expect(usage.memoryUsed + `fill${i}`.size() + 30002 > usage.memoryQuota).to.equal(true);
				}
			}
			expect(contains(failure, "TotalMemoryOverLimit")).to.equal(true);
			expect(written >= 1).to.equal(true);
			expect(runtime().usage().memoryUsed <= runtime().usage().memoryQuota).to.equal(true);
			// A write that makes an item smaller, and a removal, still succeed at the limit.
			expect(errorOf(() => map.SetAsync("fill1", "small", 120))).to.equal("<no error>");
			for (let i = 1; i <= written; i++) map.RemoveAsync(`fill${i}`);
		});

		it("throttles requests past 1000 + 120 units per concurrent user per minute with RequestThrottled", () => {
			task.wait(61);
			const usage = runtime().usage();
			expect(usage.requestQuota).to.equal(1000 + 120 * usage.currentUsers);
			expect(usage.unitsLastMinute).to.equal(0);
			const map = MemoryStoreService.GetHashMap("quota-requests");
			let ok = 0;
			let throttled = 0;
			let finished = 0;
			const total = usage.requestQuota + 20;
			for (let i = 0; i < total; i++) {
				task.spawn(() => {
					const text = errorOf(() => map.GetAsync("k"));
					if (text === "<no error>") ok += 1;
					else if (contains(text, "RequestThrottled")) throttled += 1;
					finished += 1;
				});
			}
			while (finished < total) task.wait(0.1);
			expect(ok).to.equal(usage.requestQuota);
			expect(throttled).to.equal(20);
			expect(
				contains(
					errorOf(() => map.GetAsync("k")),
					"RequestThrottled",
				),
			).to.equal(true);
			task.wait(61);
			expect(errorOf(() => map.GetAsync("k"))).to.equal("<no error>");
		});

		it("charges UpdateAsync at least two units and GetRangeAsync one unit per item returned", () => {
			task.wait(61);
			const hash = MemoryStoreService.GetHashMap("quota-units");
			const sorted = MemoryStoreService.GetSortedMap("quota-units");
			const units = () => runtime().usage().unitsLastMinute;
			const u0 = units();
			hash.UpdateAsync("k", () => 1, 60);
			expect(units() - u0).to.equal(2);
			for (let i = 0; i < 5; i++) sorted.SetAsync(`k${i}`, i, 60);
			const u1 = units();
			sorted.GetRangeAsync(Enum.SortDirection.Ascending, 200);
			expect(units() - u1).to.equal(5);
			const u2 = units();
			sorted.GetRangeAsync(Enum.SortDirection.Ascending, 10, { key: "k9", sortKey: undefined });
			expect(units() - u2).to.equal(1);
		});
	});
};
