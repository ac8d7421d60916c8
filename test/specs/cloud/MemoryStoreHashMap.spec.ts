import { contains, errorOf } from "./errorText";
import { newServer, now } from "../harness/World";
import { withFaults } from "../harness/Faults";

const MemoryStoreService = game.GetService("MemoryStoreService");

export = () => {
	describe("MemoryStoreHashMap", () => {
		it("returns a copy of the stored value, never the table that was set", () => {
			const map = MemoryStoreService.GetHashMap("hm-copy");
			const value = { inner: { n: 1 } };
			map.SetAsync("k", value, 60);
			value.inner.n = 2;
			const read = map.GetAsync("k") as { inner: { n: number } };
			expect(read.inner.n).to.equal(1);
			expect(read).never.to.equal(value);
			expect(map.GetAsync("k")).never.to.equal(read);
		});

		it("shares items between the servers of the world", () => {
			const a = newServer({ runScripts: false });
			const b = newServer({ runScripts: false });
			a.run(() => a.game.GetService("MemoryStoreService").GetHashMap("hm-shared").SetAsync("k", "from a", 60));
			const seen = b.run(() => b.game.GetService("MemoryStoreService").GetHashMap("hm-shared").GetAsync("k"));
			expect(seen).to.equal("from a");
			a.shutdown();
			b.shutdown();
		});

		it("expires an item once its expiration passes on virtual time", () => {
			const map = MemoryStoreService.GetHashMap("hm-expiry");
			map.SetAsync("k", 1, 10);
			task.wait(9);
			expect(map.GetAsync("k")).to.equal(1);
			task.wait(1.5);
			expect(map.GetAsync("k")).to.equal(undefined);
		});

		it("rejects an expiration above 3,888,000 seconds or below 0 with InvalidExpirationTime", () => {
			const map = MemoryStoreService.GetHashMap("hm-expiration-limit");
			expect(
				contains(
					errorOf(() => map.SetAsync("k", 1, 3888001)),
					"InvalidExpirationTime",
				),
			).to.equal(true);
			expect(
				contains(
					errorOf(() => map.SetAsync("k", 1, -1)),
					"InvalidExpirationTime",
				),
			).to.equal(true);
			expect(map.SetAsync("k", 1, 3888000)).to.equal(true);
			map.RemoveAsync("k");
		});

		it("rejects a value over 32 KB of JSON with ItemValueSizeTooLarge and accepts one at the limit", () => {
			const map = MemoryStoreService.GetHashMap("hm-size");
			// A string of n characters is n + 2 bytes of JSON.
			const tooBig = string.rep("x", 32 * 1024 - 1);
			expect(
				contains(
					errorOf(() => map.SetAsync("k", tooBig, 60)),
					"ItemValueSizeTooLarge",
				),
			).to.equal(true);
			const atLimit = string.rep("x", 32 * 1024 - 2);
			expect(map.SetAsync("k", atLimit, 60)).to.equal(true);
			expect(map.GetAsync("k")).to.equal(atLimit);
			map.RemoveAsync("k");
		});

		it("rejects keys longer than 128 characters", () => {
			const map = MemoryStoreService.GetHashMap("hm-key");
			expect(
				contains(
					errorOf(() => map.SetAsync(string.rep("k", 129), 1, 60)),
					"InvalidRequest",
				),
			).to.equal(true);
			expect(map.SetAsync(string.rep("k", 128), 1, 60)).to.equal(true);
		});

		it("rejects values that cannot be converted to JSON", () => {
			const map = MemoryStoreService.GetHashMap("hm-json");
			const text = errorOf(() => map.SetAsync("k", { f: () => 1 }, 60));
			expect(contains(text, "Unable to convert value to json")).to.equal(true);
		});

		it("reports whether SetAsync added a new key", () => {
			const map = MemoryStoreService.GetHashMap("hm-set-result");
			expect(map.SetAsync("k", 1, 60)).to.equal(true);
			expect(map.SetAsync("k", 2, 60)).to.equal(false);
			map.RemoveAsync("k");
			expect(map.GetAsync("k")).to.equal(undefined);
			expect(map.SetAsync("k", 3, 60)).to.equal(true);
		});

		it("keeps both increments when two servers update a key at once (the loser's transform runs again)", () => {
			withFaults({ memoryStore: { latency: { min: 0.1, max: 0.1 } } }, () => {
				const a = newServer({ runScripts: false });
				const b = newServer({ runScripts: false });
				let calls = 0;
				const increment = (server: typeof a) => () => {
					server.game
						.GetService("MemoryStoreService")
						.GetHashMap("hm-contention")
						.UpdateAsync(
							"counter",
							(old: number | undefined) => {
								calls += 1;
								return (old ?? 0) + 1;
							},
							60,
						);
				};
				let done = 0;
				a.spawn(() => {
					increment(a)();
					done += 1;
				});
				b.spawn(() => {
					increment(b)();
					done += 1;
				});
				while (done < 2) task.wait(0.05);
				expect(MemoryStoreService.GetHashMap("hm-contention").GetAsync("counter")).to.equal(2);
				expect(calls).to.equal(3);
				a.shutdown();
				b.shutdown();
			});
		});

		it("cancels the write when the transform returns nil", () => {
			const map = MemoryStoreService.GetHashMap("hm-cancel");
			map.SetAsync("k", "kept", 60);
			const result = map.UpdateAsync("k", () => undefined, 60);
			expect(result).to.equal(undefined);
			expect(map.GetAsync("k")).to.equal("kept");
		});

		it("gives up with UpdateConflict when the key keeps changing under it", () => {
			withFaults({ memoryStore: { latency: { min: 0.1, max: 0.1 } } }, () => {
				const map = MemoryStoreService.GetHashMap("hm-conflict");
				let running = true;
				const writers: Array<thread> = [];
				for (let i = 0; i < 5; i++) {
					writers.push(
						task.delay(i * 0.02, () => {
							while (running) map.SetAsync("k", i, 60);
						}),
					);
				}
				task.wait(0.2);
				let calls = 0;
				const text = errorOf(() =>
					map.UpdateAsync(
						"k",
						(old: number | undefined) => {
							calls += 1;
							return (old ?? 0) + 100;
						},
						60,
					),
				);
				running = false;
				task.wait(0.5);
				expect(contains(text, "UpdateConflict")).to.equal(true);
				expect(calls).to.equal(8);
			});
		});

		it("fails with TransformCallbackFailed when the transform yields", () => {
			const map = MemoryStoreService.GetHashMap("hm-yield");
			const text = errorOf(() =>
				map.UpdateAsync(
					"k",
					() => {
						task.wait(1);
						return 1;
					},
					60,
				),
			);
			expect(contains(text, "TransformCallbackFailed")).to.equal(true);
			expect(map.GetAsync("k")).to.equal(undefined);
		});

		it("lists every item through ListItemsAsync pages", () => {
			const map = MemoryStoreService.GetHashMap("hm-list");
			for (let i = 1; i <= 5; i++) map.SetAsync(`key${i}`, i, 60);
			const pages = map.ListItemsAsync(2);
			const seen = new Map<string, number>();
			let pageCount = 0;
			for (;;) {
				pageCount += 1;
				for (const entry of pages.GetCurrentPage() as unknown as Array<{ key: string; value: number }>) {
					seen.set(entry.key, entry.value);
				}
				if (pages.IsFinished) break;
				pages.AdvanceToNextPageAsync();
			}
			expect(pageCount).to.equal(3);
			let total = 0;
			seen.forEach((v) => (total += v));
			expect(seen.size()).to.equal(5);
			expect(total).to.equal(15);
		});

		it("takes seeded virtual latency for every request, within the plan's range", () => {
			withFaults({ memoryStore: { latency: { min: 0.5, max: 1 } } }, () => {
				const map = MemoryStoreService.GetHashMap("hm-latency");
				for (let i = 0; i < 5; i++) {
					const started = now();
					map.GetAsync("k");
					const took = now() - started;
					expect(took >= 0.5 - 1 / 30).to.equal(true);
					expect(took <= 1 + 1 / 30).to.equal(true);
				}
			});
		});

		it("fails requests with InternalError at the plan's error rate", () => {
			withFaults({ memoryStore: { errorRate: 1 } }, () => {
				const map = MemoryStoreService.GetHashMap("hm-faults");
				expect(
					contains(
						errorOf(() => map.SetAsync("k", 1, 60)),
						"InternalError",
					),
				).to.equal(true);
			});
			expect(MemoryStoreService.GetHashMap("hm-faults").GetAsync("k")).to.equal(undefined);
		});

		it("cannot be used from a client", () => {
			const server = newServer({ runScripts: false });
			const { client } = server.addPlayerWithClient({ userId: 901 });
			const [ok, err] = pcall(() =>
				client.run(() => client.game.GetService("MemoryStoreService").GetHashMap("x").GetAsync("k")),
			);
			expect(ok).to.equal(false);
			expect(contains(tostring(err), "InvalidClientAccess")).to.equal(true);
			server.shutdown();
		});
	});
};
