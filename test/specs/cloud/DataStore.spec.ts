import { newServer, now } from "../harness/World";
import {
	advance,
	configureDataStoreFaults,
	resetCloud,
	skipToNextHour,
	stored,
	storedValue,
	storedVersions,
	withSeed,
} from "../harness/Cloud";
import { errorOf, startsWith, transformed, waitAll } from "./util";

const DataStoreService = game.GetService("DataStoreService");

export = () => {
	beforeEach(() => resetCloud());
	// Leave no tunables, faults or data behind for the specs of other files.
	afterEach(() => resetCloud());

	describe("DataStore values", () => {
		it("returns a copy of the stored value, never the table that was saved", () => {
			const store = DataStoreService.GetDataStore("Copies");
			const saved = { coins: 10, items: ["sword"] };
			store.SetAsync("k", saved);
			saved.coins = 99;
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			const [first] = store.GetAsync<typeof saved>("k", options);
			const [second] = store.GetAsync<typeof saved>("k", options);
			expect(first!.coins).to.equal(10);
			expect(first!.items[0]).to.equal("sword");
			expect(first).never.to.equal(saved);
			expect(first).never.to.equal(second);
		});

		it("stores the value as JSON text in the cloud", () => {
			DataStoreService.GetDataStore("Json").SetAsync("k", [1, "two", true]);
			expect(stored("Json", "k")!.json).to.equal('[1,"two",true]');
		});

		it("returns nil and no key info for a key never written", () => {
			const [value, info] = DataStoreService.GetDataStore("Empty").GetAsync("nobody");
			expect(value).to.equal(undefined);
			expect(info).to.equal(undefined);
		});

		it("rejects an empty key with 101 and a key over 50 characters with 102", () => {
			const store = DataStoreService.GetDataStore("Keys");
			expect(
				startsWith(
					errorOf(() => store.SetAsync("", 1)),
					"101:",
				),
			).to.equal(true);
			expect(
				startsWith(
					errorOf(() => store.SetAsync(string.rep("k", 51), 1)),
					"102:",
				),
			).to.equal(true);
			expect(errorOf(() => store.SetAsync(string.rep("k", 50), 1))).to.equal(undefined);
		});

		it("rejects data store names and scopes over 50 characters", () => {
			expect(errorOf(() => DataStoreService.GetDataStore(string.rep("n", 51)))).to.be.ok();
			expect(errorOf(() => DataStoreService.GetDataStore("ok", string.rep("s", 51)))).to.be.ok();
			expect(errorOf(() => DataStoreService.GetDataStore(string.rep("n", 50), string.rep("s", 50)))).to.equal(
				undefined,
			);
		});

		it("rejects Instances and functions with 103", () => {
			const store = DataStoreService.GetDataStore("Bad");
			const message = errorOf(() => store.SetAsync("k", { part: new Instance("Folder") }));
			expect(startsWith(message, "103:")).to.equal(true);
			expect(message!.find("Instance")[0] !== undefined).to.equal(true);
			expect(
				startsWith(
					errorOf(() => store.SetAsync("k", () => 1)),
					"103:",
				),
			).to.equal(true);
			expect(storedValue("Bad", "k")).to.equal(undefined);
		});

		it("rejects a value over 4,194,304 characters once JSON-encoded with 105 and accepts one at the limit", () => {
			const store = DataStoreService.GetDataStore("Big");
			// A string encodes with two quotes around it.
			expect(
				startsWith(
					errorOf(() => store.SetAsync("k", string.rep("a", 4194303))),
					"105:",
				),
			).to.equal(true);
			expect(errorOf(() => store.SetAsync("k", string.rep("a", 4194302)))).to.equal(undefined);
			expect(stored("Big", "k")!.json.size()).to.equal(4194304);
		});

		it("returns the written version from SetAsync and reports it in the key info", () => {
			const store = DataStoreService.GetDataStore("Version");
			const version = store.SetAsync("k", 1);
			expect(typeIs(version, "string") && version.size() > 0).to.equal(true);
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			expect(store.GetAsync("k", options)[1].Version).to.equal(version);
			expect(stored("Version", "k")!.version).to.equal(version);
		});

		it("records userIds and metadata in the key info", () => {
			const store = DataStoreService.GetDataStore("Meta");
			const options = new Instance("DataStoreSetOptions");
			options.SetMetadata({ reason: "test", level: 3 });
			store.SetAsync("k", "v", [101, 102], options);
			const [, info] = store.GetAsync("k");
			expect(info!.GetUserIds().size()).to.equal(2);
			expect(info!.GetUserIds()[1]).to.equal(102);
			expect((info!.GetMetadata() as { reason: string }).reason).to.equal("test");
		});

		it("rejects more than 4 userIds with 512, metadata over 300 characters with 511, bad formats with 513", () => {
			const store = DataStoreService.GetDataStore("Meta");
			expect(
				startsWith(
					errorOf(() => store.SetAsync("k", 1, [1, 2, 3, 4, 5])),
					"512:",
				),
			).to.equal(true);
			const options = new Instance("DataStoreSetOptions");
			options.SetMetadata({ a: string.rep("x", 200), b: string.rep("y", 200) });
			expect(
				startsWith(
					errorOf(() => store.SetAsync("k", 1, [], options)),
					"511:",
				),
			).to.equal(true);
			expect(
				startsWith(
					errorOf(() => store.SetAsync("k", 1, ["x"] as never)),
					"513:",
				),
			).to.equal(true);
			expect(storedValue("Meta", "k")).to.equal(undefined);
		});

		it("takes a seeded, nonzero amount of virtual time per request", () => {
			const store = DataStoreService.GetDataStore("Latency");
			const started = now();
			store.SetAsync("k", 1);
			const took = now() - started;
			expect(took > 0).to.equal(true);
			expect(took < 5).to.equal(true);
		});
	});

	describe("DataStoreService", () => {
		it("returns the same DataStore object for the same name and scope", () => {
			expect(DataStoreService.GetDataStore("Same", "s")).to.equal(DataStoreService.GetDataStore("Same", "s"));
			expect(DataStoreService.GetDataStore("Same", "s")).never.to.equal(DataStoreService.GetDataStore("Same"));
		});

		it("keeps scopes of one data store name apart", () => {
			DataStoreService.GetDataStore("Scoped", "a").SetAsync("k", "in a");
			DataStoreService.GetDataStore("Scoped", "b").SetAsync("k", "in b");
			expect(storedValue("Scoped", "k", "a")).to.equal("in a");
			expect(storedValue("Scoped", "k", "b")).to.equal("in b");
			expect(storedValue("Scoped", "k")).to.equal(undefined);
		});

		it("serves GetGlobalDataStore from the same cloud to every server", () => {
			const other = newServer();
			DataStoreService.GetGlobalDataStore().SetAsync("motd", "hello");
			const seen = other.run(
				() => other.game.GetService("DataStoreService").GetGlobalDataStore().GetAsync("motd")[0],
			);
			expect(seen).to.equal("hello");
			expect(storedValue("global", "motd", "global", "global")).to.equal("hello");
		});

		it("fails with 401 once the owning server has stopped", () => {
			const server = newServer();
			const store = server.game.GetService("DataStoreService").GetDataStore("Gone");
			server.crash();
			expect(
				startsWith(
					errorOf(() => store.GetAsync("k")),
					"401:",
				),
			).to.equal(true);
		});

		it("spends the budget of the server that owns the DataModel, whichever thread calls", () => {
			const owner = newServer();
			const ownerService = owner.game.GetService("DataStoreService");
			const store = ownerService.GetDataStore("Owner");
			const budgetOf = (service: DataStoreService) =>
				service.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.SetIncrementAsync);
			const ownerBefore = budgetOf(ownerService);
			const mineBefore = budgetOf(DataStoreService);
			for (let i = 0; i < 10; i++) store.SetAsync(`k${i}`, i);
			expect(ownerBefore - budgetOf(ownerService) >= 9).to.equal(true);
			expect(budgetOf(DataStoreService) >= mineBefore).to.equal(true);
		});
	});

	describe("GetAsync cache", () => {
		it("serves another server's write only after the 4 second cache expires", () => {
			const a = newServer();
			const b = newServer();
			const storeA = () => a.game.GetService("DataStoreService").GetDataStore("Cache");
			const storeB = () => b.game.GetService("DataStoreService").GetDataStore("Cache");
			a.run(() => storeA().SetAsync("k", 1));
			expect(b.run(() => storeB().GetAsync<number>("k")[0])).to.equal(1);
			a.run(() => storeA().SetAsync("k", 2));
			expect(storedValue("Cache", "k")).to.equal(2);
			expect(b.run(() => storeB().GetAsync<number>("k")[0])).to.equal(1);
			advance(4.1);
			expect(b.run(() => storeB().GetAsync<number>("k")[0])).to.equal(2);
		});

		it("bypasses the cache when DataStoreGetOptions.UseCache is false", () => {
			const a = newServer();
			const b = newServer();
			a.run(() => a.game.GetService("DataStoreService").GetDataStore("Cache").SetAsync("k", 1));
			const storeB = () => b.game.GetService("DataStoreService").GetDataStore("Cache");
			expect(b.run(() => storeB().GetAsync<number>("k")[0])).to.equal(1);
			a.run(() => a.game.GetService("DataStoreService").GetDataStore("Cache").SetAsync("k", 2));
			const value = b.run(() => {
				const options = new Instance("DataStoreGetOptions");
				options.UseCache = false;
				return storeB().GetAsync<number>("k", options)[0];
			});
			expect(value).to.equal(2);
		});
	});

	describe("UpdateAsync", () => {
		it("lands both increments when two servers race on one key, re-running a transform", () => {
			// A fixed latency makes both reads happen before either commit: a true race, every seed.
			configureDataStoreFaults({ latency: { min: 0.2, max: 0.2 } });
			const a = newServer();
			const b = newServer();
			DataStoreService.GetDataStore("Race").SetAsync("k", 0);
			let calls = 0;
			let finished = 0;
			for (const server of [a, b]) {
				server.spawn(() => {
					server.game
						.GetService("DataStoreService")
						.GetDataStore("Race")
						.UpdateAsync<number, number>("k", (old) => {
							calls += 1;
							return transformed((old ?? 0) + 1);
						});
					finished += 1;
				});
			}
			waitAll(() => finished === 2);
			expect(storedValue("Race", "k")).to.equal(2);
			expect(calls).to.equal(3);
		});

		it("lands every increment when many servers race with random latency", () => {
			withSeed(() => {
				const servers = [newServer(), newServer(), newServer(), newServer()];
				let calls = 0;
				let finished = 0;
				for (const server of servers) {
					server.spawn(() => {
						const store = server.game.GetService("DataStoreService").GetDataStore("Crowd");
						for (let i = 0; i < 5; i++) {
							store.UpdateAsync<number, number>("k", (old) => {
								calls += 1;
								return transformed((old ?? 0) + 1);
							});
						}
						finished += 1;
					});
				}
				waitAll(() => finished === servers.size());
				expect(storedValue("Crowd", "k")).to.equal(20);
				expect(calls >= 20).to.equal(true);
			});
		});

		it("passes the current value and key info to the transform", () => {
			const store = DataStoreService.GetDataStore("Update");
			store.SetAsync("k", 5, [7]);
			let seenUserId: number | undefined;
			const [value] = store.UpdateAsync<number, number>("k", (old, info) => {
				seenUserId = info!.GetUserIds()[0] as number;
				return transformed(old! * 2);
			});
			expect(value).to.equal(10);
			expect(seenUserId).to.equal(7);
			expect(storedValue("Update", "k")).to.equal(10);
		});

		it("writes nothing and creates no version when the transform returns nil", () => {
			const store = DataStoreService.GetDataStore("Cancel");
			store.SetAsync("k", 1);
			const before = stored("Cancel", "k")!;
			const [value] = store.UpdateAsync("k", () => transformed(undefined));
			expect(value).to.equal(undefined);
			const after = stored("Cancel", "k")!;
			expect(after.value).to.equal(1);
			expect(after.updated).to.equal(before.updated);
			expect(storedVersions("Cancel", "k").size()).to.equal(1);
		});

		it("clears userIds and metadata unless the transform returns them", () => {
			const store = DataStoreService.GetDataStore("Keep");
			const options = new Instance("DataStoreSetOptions");
			options.SetMetadata({ owner: "a" });
			store.SetAsync("k", 1, [42], options);
			store.UpdateAsync<number, number>("k", (old, info) =>
				transformed(old! + 1, info!.GetUserIds() as number[], info!.GetMetadata()),
			);
			expect(stored("Keep", "k")!.userIds[0]).to.equal(42);
			expect((stored("Keep", "k")!.metadata as { owner: string }).owner).to.equal("a");
			store.UpdateAsync<number, number>("k", (old) => transformed(old! + 1));
			expect(stored("Keep", "k")!.userIds.size()).to.equal(0);
			expect(stored("Keep", "k")!.metadata.owner).to.equal(undefined);
		});

		it("raises the transform's own error and writes nothing", () => {
			const store = DataStoreService.GetDataStore("Throw");
			store.SetAsync("k", 1);
			const message = errorOf(() => store.UpdateAsync("k", () => error("no thanks", 0)));
			expect(message).to.equal("no thanks");
			expect(storedValue("Throw", "k")).to.equal(1);
		});

		it("errors when the transform yields, and writes nothing", () => {
			const store = DataStoreService.GetDataStore("Yield");
			store.SetAsync("k", 1);
			const message = errorOf(() =>
				store.UpdateAsync<number, number>("k", (old) => {
					task.wait(1);
					return transformed(old! + 1);
				}),
			);
			expect(message !== undefined && message.find("yield")[0] !== undefined).to.equal(true);
			expect(storedValue("Yield", "k")).to.equal(1);
		});
	});

	describe("IncrementAsync and RemoveAsync", () => {
		it("increments from 0 for a new key and adds to an existing integer", () => {
			const store = DataStoreService.GetDataStore("Count");
			expect(store.IncrementAsync("k")[0]).to.equal(1);
			expect(store.IncrementAsync("k", 5)[0]).to.equal(6);
			store.SetAsync("s", "text");
			expect(
				startsWith(
					errorOf(() => store.IncrementAsync("s", 1)),
					"103:",
				),
			).to.equal(true);
		});

		it("keeps the removed value as a version even when removed within the hour it was written", () => {
			const store = DataStoreService.GetDataStore("RemoveSameHour");
			const version = store.SetAsync("k", "kept");
			store.RemoveAsync("k");
			const versions = storedVersions("RemoveSameHour", "k");
			expect(versions.size()).to.equal(2);
			expect(versions[1].deleted).to.equal(true);
			expect(store.GetVersionAsync("k", version)[0]).to.equal("kept");
		});

		it("returns the removed value and leaves a tombstone version", () => {
			const store = DataStoreService.GetDataStore("Remove");
			store.SetAsync("k", "gone");
			skipToNextHour();
			const [old, info] = store.RemoveAsync("k");
			expect(old).to.equal("gone");
			expect(info).to.be.ok();
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			expect(store.GetAsync("k", options)[0]).to.equal(undefined);
			const versions = storedVersions("Remove", "k");
			expect(versions.size()).to.equal(2);
			expect(versions[1].deleted).to.equal(true);
		});
	});

	describe("Listing", () => {
		it("pages ListKeysAsync results with a prefix", () => {
			const store = DataStoreService.GetDataStore("List");
			for (const key of ["p_1", "p_2", "p_3", "other"]) store.SetAsync(key, 1);
			const pages = store.ListKeysAsync("p_", 2);
			const names: string[] = [];
			for (const k of pages.GetCurrentPage() as DataStoreKey[]) names.push(k.KeyName);
			expect(pages.IsFinished).to.equal(false);
			pages.AdvanceToNextPageAsync();
			for (const k of pages.GetCurrentPage() as DataStoreKey[]) names.push(k.KeyName);
			expect(pages.IsFinished).to.equal(true);
			expect(names.join(",")).to.equal("p_1,p_2,p_3");
			expect(errorOf(() => pages.AdvanceToNextPageAsync())).to.be.ok();
		});

		it("resumes ListKeysAsync from a cursor after the last key listed, whatever was created before it", () => {
			// reference/engine/classes/DataStoreKeyPages: the Cursor "marks the position from which the next page
			// of keys is retrieved"; a batch job stores it to resume after a crash, while players create keys.
			const store = DataStoreService.GetDataStore("Cursor");
			for (const key of ["k_2", "k_4", "k_6", "k_8"]) store.SetAsync(key, 1);
			const first = store.ListKeysAsync("k_", 2);
			const names: string[] = [];
			for (const k of first.GetCurrentPage() as DataStoreKey[]) names.push(k.KeyName);
			const cursor = first.Cursor;
			expect(cursor !== "").to.equal(true);
			store.SetAsync("k_1", 1); // before the cursor: must not shift the next page
			store.SetAsync("k_5", 1); // after it: listed
			const rest = store.ListKeysAsync("k_", 2, cursor);
			for (const k of rest.GetCurrentPage() as DataStoreKey[]) names.push(k.KeyName);
			rest.AdvanceToNextPageAsync();
			for (const k of rest.GetCurrentPage() as DataStoreKey[]) names.push(k.KeyName);
			expect(rest.IsFinished).to.equal(true);
			expect(names.join(",")).to.equal("k_2,k_4,k_5,k_6,k_8");
		});

		it("addresses keys of every scope as scope/key with DataStoreOptions.AllScopes", () => {
			DataStoreService.GetDataStore("Multi", "a").SetAsync("k", 1);
			DataStoreService.GetDataStore("Multi", "b").SetAsync("j", 2);
			const options = new Instance("DataStoreOptions");
			options.AllScopes = true;
			const all = DataStoreService.GetDataStore("Multi", "", options);
			const names: string[] = [];
			for (const k of all.ListKeysAsync().GetCurrentPage() as DataStoreKey[]) names.push(k.KeyName);
			expect(names.join(",")).to.equal("a/k,b/j");
			expect(all.GetAsync("b/j")[0]).to.equal(2);
			all.SetAsync("c/x", 3);
			expect(storedValue("Multi", "x", "c")).to.equal(3);
			expect(errorOf(() => all.GetAsync("no-scope"))).to.be.ok();
			expect(errorOf(() => DataStoreService.GetDataStore("Multi", "a", options))).to.be.ok();
		});

		it("lists data stores by prefix with ListDataStoresAsync", () => {
			DataStoreService.GetDataStore("Alpha").SetAsync("k", 1);
			DataStoreService.GetDataStore("Alps", "other").SetAsync("k", 1);
			DataStoreService.GetDataStore("Beta").SetAsync("k", 1);
			const pages = DataStoreService.ListDataStoresAsync("Al");
			const names: string[] = [];
			for (const info of pages.GetCurrentPage() as DataStoreInfo[]) names.push(info.DataStoreName);
			expect(names.join(",")).to.equal("Alpha,Alps");
		});
	});

	describe("Server crashes", () => {
		it("loses a write still on its way to the backend when its server crashes", () => {
			configureDataStoreFaults({ latency: { min: 0.2, max: 0.2 } });
			const server = newServer();
			server.spawn(() => server.game.GetService("DataStoreService").GetDataStore("Crash").SetAsync("k", 1));
			server.crash();
			advance(1);
			expect(storedValue("Crash", "k")).to.equal(undefined);
		});

		it("keeps a write that reached the backend before its server crashed", () => {
			// Requests reach the backend after half their latency: 0.1 s here.
			configureDataStoreFaults({ latency: { min: 0.2, max: 0.2 } });
			const server = newServer();
			server.spawn(() => server.game.GetService("DataStoreService").GetDataStore("Crash").SetAsync("k", 1));
			advance(0.15);
			server.crash();
			expect(storedValue("Crash", "k")).to.equal(1);
		});
	});

	describe("Per-key throughput", () => {
		it("holds a read back once a minute of reads of the key would pass 25 MB", () => {
			const store = DataStoreService.GetDataStore("ReadThroughput");
			store.SetAsync("k", string.rep("x", 3 * 1024 * 1024));
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			const t0 = now();
			// Eight reads of 3 MB (24 MB) fit in a minute; the ninth would make 27 MB.
			for (let i = 0; i < 8; i++) store.GetAsync("k", options);
			expect(now() - t0 < 10).to.equal(true);
			store.GetAsync("k", options);
			expect(now() - t0 >= 60).to.equal(true);
		});

		it("holds a write back until the key's last minute of writes leaves room under 4 MB", () => {
			const store = DataStoreService.GetDataStore("Throughput");
			const big = string.rep("x", 3 * 1024 * 1024);
			const t0 = now();
			store.SetAsync("k", big);
			const firstDone = now();
			store.SetAsync("k", big);
			expect(firstDone - t0 < 5).to.equal(true);
			expect(now() - t0 >= 60).to.equal(true);
			expect(stored("Throughput", "k")!.json.size()).to.equal(big.size() + 2);
		});
	});
};
