import { now, realtime } from "../harness/World";

/** A thread that is parked until something resumes it (the way Promise and signals park threads). */
function parked(): thread {
	const thread = coroutine.create(() => {
		coroutine.yield();
	});
	coroutine.resume(thread);
	return thread;
}

type Captured = Array<{ kind: string; message: string }>;

/** Runs `fn` and returns what it wrote, keeping it off the run's console (the error below is expected). */
function quietly(fn: () => void): Captured {
	const [list, stop] = __runtime.Output.capture(true);
	try {
		fn();
	} finally {
		stop();
	}
	return list;
}

export = () => {
	describe("task library", () => {
		it("task.spawn runs the function at once with its arguments and returns its thread", () => {
			const seen = new Array<defined>();
			const thread = task.spawn(
				(a: number, b: string) => {
					seen.push(a, b, coroutine.running());
				},
				7,
				"x",
			);
			expect(seen.size()).to.equal(3);
			expect(seen[0]).to.equal(7);
			expect(seen[1]).to.equal("x");
			expect(seen[2]).to.equal(thread);
		});

		it("task.spawn resumes an existing suspended thread with new arguments", () => {
			let got: unknown;
			const thread = coroutine.create(() => {
				[got] = coroutine.yield() as LuaTuple<[unknown]>;
			});
			coroutine.resume(thread);
			expect(coroutine.status(thread)).to.equal("suspended");
			task.spawn(thread, "again");
			expect(got).to.equal("again");
			expect(coroutine.status(thread)).to.equal("dead");
		});

		it("task.defer runs the function after the current thread yields, not before", () => {
			const order = new Array<string>();
			task.defer(() => order.push("deferred"));
			order.push("caller");
			expect(order.size()).to.equal(1);
			task.wait();
			expect(order.join(",")).to.equal("caller,deferred");
		});

		it("task.delay resumes after the given virtual seconds with its arguments", () => {
			const started = now();
			let firedAt = -1;
			let arg: unknown;
			task.delay(
				5,
				(value: string) => {
					firedAt = now();
					arg = value;
				},
				"payload",
			);
			task.wait(4.9);
			expect(firedAt).to.equal(-1);
			task.wait(0.2);
			expect(firedAt - started).to.be.near(5, 1 / 60 + 1e-9);
			expect(arg).to.equal("payload");
		});

		it("task.wait returns the virtual time that actually elapsed, rounded up to a frame", () => {
			const elapsed = task.wait(0.5);
			expect(elapsed >= 0.5).to.equal(true);
			expect(elapsed < 0.5 + 2 / 60).to.equal(true);
		});

		it("task.wait() without an argument waits one frame of 1/60 s", () => {
			const started = now();
			const elapsed = task.wait();
			expect(now() - started).to.be.near(1 / 60, 1e-6);
			expect(elapsed).to.be.near(1 / 60, 1e-6);
		});

		it("task.cancel stops a delayed function before it runs", () => {
			let ran = false;
			const thread = task.delay(1, () => {
				ran = true;
			});
			task.cancel(thread);
			task.wait(2);
			expect(ran).to.equal(false);
			expect(coroutine.status(thread)).to.equal("dead");
		});

		it("task.cancel stops a thread sleeping in task.wait, which never resumes", () => {
			let after = false;
			const thread = task.spawn(() => {
				task.wait(1);
				after = true;
			});
			expect(coroutine.status(thread)).to.equal("suspended");
			task.cancel(thread);
			task.wait(2);
			expect(after).to.equal(false);
		});

		it("task.cancel stops a deferred thread before it runs", () => {
			let ran = false;
			const thread = task.defer(() => {
				ran = true;
			});
			task.cancel(thread);
			task.wait();
			expect(ran).to.equal(false);
		});

		it("task.cancel refuses to cancel the running thread", () => {
			expect(() => task.cancel(coroutine.running())).to.throw("cannot cancel thread");
		});

		it("threads deferred by deferred threads run in the same resumption cycle, before time moves", () => {
			const times = new Array<number>();
			task.defer(() => {
				times.push(now());
				task.defer(() => times.push(now()));
			});
			task.wait();
			expect(times.size()).to.equal(2);
			expect(times[0]).to.equal(times[1]);
		});

		it("task.delay(0) runs on the next frame, not at once", () => {
			const started = now();
			let at = -1;
			task.delay(0, () => (at = now()));
			expect(at).to.equal(-1);
			task.wait(0.1);
			expect(at - started).to.be.near(1 / 60, 1e-6);
		});

		it("a NaN or negative duration waits one frame and leaves other sleepers in order", () => {
			const order = new Array<string>();
			task.delay(0.05, () => order.push("later"));
			task.delay(0 / 0, () => order.push("nan"));
			task.delay(-5, () => order.push("negative"));
			const started = now();
			task.wait(0 / 0);
			expect(now() - started).to.be.near(1 / 60, 1e-6);
			task.wait(0.1);
			expect(order.join(",")).to.equal("nan,negative,later");
		});

		it("task.cancel refuses anything that is not a thread", () => {
			expect(() => task.cancel("nope" as unknown as thread)).to.throw("thread expected");
		});

		it("task.spawn refuses anything that is not a function or thread", () => {
			expect(() => task.spawn(5 as unknown as Callback)).to.throw("function or thread expected");
		});

		it("sleeping threads wake in order of their wake time, and ties in the order they slept", () => {
			const order = new Array<string>();
			task.delay(0.3, () => order.push("c"));
			task.delay(0.1, () => order.push("a"));
			task.delay(0.2, () => order.push("b1"));
			task.delay(0.2, () => order.push("b2"));
			task.wait(0.5);
			expect(order.join(",")).to.equal("a,b1,b2,c");
		});

		it("an error in a spawned thread is reported and does not reach the caller", () => {
			let survived = false;
			const output = quietly(() => {
				task.spawn(() => {
					error("boom in child");
				});
				survived = true;
			});
			expect(survived).to.equal(true);
			const reported = output.filter(
				(o) => o.kind === "error" && o.message.find("boom in child")[0] !== undefined,
			);
			expect(reported.size()).to.equal(1);
		});

		it("keeps sleepers in a binary heap that pops by wake time, ties first-in first-out", () => {
			type Entry = { time: number; seq: number };
			const Heap = __runtime.Heap as {
				new: () => {
					push: (self: unknown, e: Entry) => void;
					pop: (self: unknown) => Entry | undefined;
					size: number;
				};
			};
			const heap = Heap.new();
			const rng = new Random(3);
			for (let seq = 1; seq <= 5000; seq++) heap.push(heap, { time: rng.NextInteger(0, 200) / 10, seq });
			expect(heap.size).to.equal(5000);
			let previous: Entry | undefined;
			let popped = 0;
			for (let e = heap.pop(heap); e !== undefined; e = heap.pop(heap)) {
				if (previous) {
					const inOrder = previous.time < e.time || (previous.time === e.time && previous.seq < e.seq);
					expect(inOrder).to.equal(true);
				}
				previous = e;
				popped += 1;
			}
			expect(popped).to.equal(5000);
			expect(heap.size).to.equal(0);
		});

		it("wakes 10,000 sleeping threads, each exactly once and at its own time", () => {
			const count = 10000;
			let woken = 0;
			let late = 0;
			const started = now();
			const real0 = realtime();
			for (let i = 0; i < count; i++) {
				const due = ((i * 7919) % count) / 100; // up to 100 s, scattered
				task.delay(due, () => {
					woken += 1;
					if (now() - started - due > 1 / 60 + 1e-6) late += 1;
				});
			}
			task.wait(101);
			const real = realtime() - real0;
			print(`[measure] 10,000 sleeping threads woke in ${string.format("%.3f", real)} s of real time`);
			expect(woken).to.equal(count);
			expect(late).to.equal(0);
		});
	});

	// These specs pin the legacy globals themselves, so they call them on purpose.
	/* eslint-disable roblox-ts/prefer-task-library */
	describe("legacy wait, delay and spawn", () => {
		it("wait returns the elapsed time and elapsedTime(), and never waits less than about 1/30 s", () => {
			const started = now();
			const [elapsed, total] = wait(0);
			expect(now() - started >= 0.029).to.equal(true);
			expect(elapsed >= 0.029).to.equal(true);
			expect(total).to.be.near(elapsedTime(), 1e-9);
		});

		it("delay calls the function after the given seconds with (elapsed, elapsedTime())", () => {
			let at = -1;
			let args: [number, number] = [-1, -1];
			const started = now();
			delay(2, (elapsed, total) => {
				at = now();
				args = [elapsed, total];
			});
			wait(3);
			expect(at - started).to.be.near(2, 2 / 60);
			expect(args[0]).to.be.near(at - started, 1e-9);
			expect(args[1]).to.be.near(at, 1e-9);
		});

		it("spawn calls the function later, at least 29 ms on, with (elapsed, elapsedTime())", () => {
			let ran = false;
			let elapsed = -1;
			spawn((e) => {
				ran = true;
				elapsed = e;
			});
			expect(ran).to.equal(false);
			wait(0.1);
			expect(ran).to.equal(true);
			expect(elapsed >= 0.029 && elapsed < 0.029 + 2 / 60).to.equal(true);
		});

		it("wait never waits less than 29 ms, even for NaN", () => {
			const started = now();
			wait(0 / 0);
			expect(now() - started >= 0.029).to.equal(true);
		});
	});

	describe("coroutines", () => {
		it("coroutine.wrap and coroutine.yield work inside scheduled threads", () => {
			const gen = coroutine.wrap((n?: number) => {
				for (let i = 1; i <= n!; i++) coroutine.yield(i);
				return -1;
			});
			expect(gen(3)).to.equal(1);
			task.wait(0.1);
			expect(gen()).to.equal(2);
			expect(gen()).to.equal(3);
			expect(gen()).to.equal(-1);
		});

		it("a task.wait inside a coroutine yields that coroutine to the scheduler, which resumes it later", () => {
			let stage = 0;
			const co = coroutine.create(() => {
				stage = 1;
				task.wait(1);
				stage = 2;
			});
			coroutine.resume(co);
			expect(stage).to.equal(1);
			task.wait(1.1);
			expect(stage).to.equal(2);
			expect(coroutine.status(co)).to.equal("dead");
		});

		it("task.spawn on a thread parked by plain coroutine.yield resumes it", () => {
			const thread = parked();
			task.spawn(thread);
			expect(coroutine.status(thread)).to.equal("dead");
		});
	});
};
