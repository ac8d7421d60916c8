import { newServer, now } from "../harness/World";
import { advance, configureCloud, resetCloud } from "../harness/Cloud";
import { errorOf, startsWith, transformed, waitAll } from "./util";

const DataStoreService = game.GetService("DataStoreService");
const budget = (service: DataStoreService, requestType: Enum.DataStoreRequestType) =>
	service.GetRequestBudgetForRequestType(requestType);

export = () => {
	beforeEach(() => resetCloud());
	// Leave no tunables, faults or data behind for the specs of other files.
	afterEach(() => resetCloud());

	describe("DataStore budgets", () => {
		it("starts each request type at its per-minute formula plus a one-time start allotment", () => {
			// No players: Get 60, Set 60, GetSorted 5, OrderedSet 30, List 5, GetVersion 5, RemoveVersion 5,
			// each plus one minute of its base rate as the start allotment.
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			expect(budget(service, Enum.DataStoreRequestType.GetAsync)).to.equal(120);
			expect(budget(service, Enum.DataStoreRequestType.SetIncrementAsync)).to.equal(120);
			expect(budget(service, Enum.DataStoreRequestType.GetSortedAsync)).to.equal(10);
			expect(budget(service, Enum.DataStoreRequestType.SetIncrementSortedAsync)).to.equal(60);
			expect(budget(service, Enum.DataStoreRequestType.ListAsync)).to.equal(10);
			expect(budget(service, Enum.DataStoreRequestType.GetVersionAsync)).to.equal(10);
			expect(budget(service, Enum.DataStoreRequestType.RemoveVersionAsync)).to.equal(10);
		});

		it("grows the per-minute budget by 10 per player for Get and 2 per player for GetSorted", () => {
			configureCloud({ startAllotmentMinutes: 0 });
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			server.addPlayer({ userId: 1 });
			server.addPlayer({ userId: 2 });
			server.addPlayer({ userId: 3 });
			server.run(() => {
				const store = service.GetDataStore("Budget");
				const options = new Instance("DataStoreGetOptions");
				options.UseCache = false;
				for (let i = 0; i < 20; i++) store.GetAsync("k", options);
			});
			advance(120);
			expect(budget(service, Enum.DataStoreRequestType.GetAsync)).to.equal(90);
			expect(budget(service, Enum.DataStoreRequestType.GetSortedAsync)).to.equal(11);
			expect(budget(service, Enum.DataStoreRequestType.SetIncrementSortedAsync)).to.equal(45);
		});

		it("spends one Get per GetAsync and nothing for a read served from the cache", () => {
			const store = DataStoreService.GetDataStore("Spend");
			store.SetAsync("k", 1);
			advance(5);
			const get = () => budget(DataStoreService, Enum.DataStoreRequestType.GetAsync);
			const before = get();
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			store.GetAsync("k", options);
			const afterUncached = get();
			store.GetAsync("k");
			const afterCached = get();
			// Refill during the request's latency is under one request.
			expect(before - afterUncached).to.equal(1);
			expect(afterCached).to.equal(afterUncached);
		});

		it("draws UpdateAsync on both the Get and the Set budget, and reports the smaller", () => {
			configureCloud({ startAllotmentMinutes: 0 });
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			server.run(() => {
				const store = service.GetDataStore("Both");
				for (let i = 0; i < 10; i++) store.UpdateAsync<number, number>("k", (v) => transformed((v ?? 0) + 1));
				for (let i = 0; i < 5; i++) store.SetAsync("other", i);
			});
			const get = budget(service, Enum.DataStoreRequestType.GetAsync);
			const set = budget(service, Enum.DataStoreRequestType.SetIncrementAsync);
			// About 10 requests per second of latency refill at 1 per second: allow the refill.
			expect(get >= 50 && get < 60).to.equal(true);
			expect(set < get).to.equal(true);
			expect(budget(service, Enum.DataStoreRequestType.UpdateAsync)).to.equal(math.min(get, set));
		});

		it("spends no Set budget for an UpdateAsync whose transform cancels", () => {
			const set = () => budget(DataStoreService, Enum.DataStoreRequestType.SetIncrementAsync);
			const get = () => budget(DataStoreService, Enum.DataStoreRequestType.GetAsync);
			const store = DataStoreService.GetDataStore("NoWrite");
			const [setBefore, getBefore] = [set(), get()];
			for (let i = 0; i < 5; i++) store.UpdateAsync("k", () => transformed(undefined));
			expect(set()).to.equal(setBefore);
			expect(getBefore - get()).to.equal(5);
		});

		it("refills on virtual time at the per-minute rate, up to one minute's worth", () => {
			configureCloud({ startAllotmentMinutes: 0 });
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			let spentAt = 0;
			server.run(() => {
				const store = service.GetDataStore("Refill");
				const threads: thread[] = [];
				let done = 0;
				for (let i = 0; i < 30; i++) {
					threads.push(
						task.spawn(() => {
							store.SetAsync(`k${i}`, i);
							done += 1;
						}),
					);
				}
				spentAt = now();
				waitAll(() => done === 30);
			});
			const afterSpend = budget(service, Enum.DataStoreRequestType.SetIncrementAsync);
			expect(afterSpend).to.be.near(30, 1);
			advance(10 - (now() - spentAt));
			// 60 per minute is 1 per second.
			expect(budget(service, Enum.DataStoreRequestType.SetIncrementAsync)).to.be.near(40, 1);
			advance(600);
			expect(budget(service, Enum.DataStoreRequestType.SetIncrementAsync)).to.equal(60);
		});

		it("gives each server a budget of its own", () => {
			const a = newServer();
			const b = newServer();
			a.run(() => {
				const store = a.game.GetService("DataStoreService").GetDataStore("Own");
				for (let i = 0; i < 10; i++) store.SetAsync(`k${i}`, i);
			});
			const setA = budget(a.game.GetService("DataStoreService"), Enum.DataStoreRequestType.SetIncrementAsync);
			const setB = budget(b.game.GetService("DataStoreService"), Enum.DataStoreRequestType.SetIncrementAsync);
			expect(setA < 115).to.equal(true);
			expect(setB).to.equal(120);
		});

		it("queues a request over budget until the budget refills", () => {
			configureCloud({ startAllotmentMinutes: 0 });
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			let lastDoneAt = 0;
			server.run(() => {
				const store = service.GetDataStore("Queue");
				let done = 0;
				const started = now();
				// 60 requests spend the Set budget; the 5 after them wait about a second each.
				for (let i = 0; i < 65; i++) {
					task.spawn(() => {
						store.SetAsync(`k${i}`, i);
						done += 1;
						lastDoneAt = now() - started;
					});
				}
				waitAll(() => done === 65);
			});
			expect(lastDoneAt > 4).to.equal(true);
			expect(lastDoneAt < 8).to.equal(true);
		});

		it("drops a request with 302 when the Set throttle queue already holds 30", () => {
			configureCloud({ startAllotmentMinutes: 0 });
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			const errors: string[] = [];
			let done = 0;
			server.run(() => {
				const store = service.GetDataStore("Drop");
				// 60 spend the budget, 30 fill the queue, 1 more is dropped.
				for (let i = 0; i < 91; i++) {
					task.spawn(() => {
						const message = errorOf(() => store.SetAsync(`k${i}`, i));
						if (message !== undefined) errors.push(message);
						done += 1;
					});
				}
				waitAll(() => done === 91);
			});
			expect(errors.size()).to.equal(1);
			expect(startsWith(errors[0], "302: SetAsync request dropped.")).to.equal(true);
		});

		it("drops GetAsync with 301 and UpdateAsync with 304 when their queue is full", () => {
			configureCloud({ startAllotmentMinutes: 0, queueLimit: 0 });
			const server = newServer();
			const service = server.game.GetService("DataStoreService");
			const messages: string[] = [];
			server.run(() => {
				const store = service.GetDataStore("Codes");
				const options = new Instance("DataStoreGetOptions");
				options.UseCache = false;
				let done = 0;
				for (let i = 0; i < 61; i++) {
					task.spawn(() => {
						const message = errorOf(() => store.GetAsync(`k${i}`, options));
						if (message !== undefined) messages.push(message);
						const update = errorOf(() => store.UpdateAsync(`u${i}`, () => transformed(1)));
						if (update !== undefined) messages.push(update);
						done += 1;
					});
				}
				waitAll(() => done === 61);
			});
			expect(messages.some((m) => startsWith(m, "301: GetAsync request dropped."))).to.equal(true);
			expect(messages.some((m) => startsWith(m, "304: UpdateAsync request dropped."))).to.equal(true);
		});

		it("rejects a request type that is not an Enum.DataStoreRequestType", () => {
			expect(errorOf(() => DataStoreService.GetRequestBudgetForRequestType("GetAsync" as never))).to.be.ok();
		});
	});
};
