import { now } from "../harness/World";

/**
 * Runs `fn` inside a for-loop iterator function, where the thread cannot yield (coroutine.isyieldable()
 * is false there), and returns the message it failed with, or undefined when it did not fail.
 */
function insideIterator(fn: () => void): string | undefined {
	let message: string | undefined;
	const iterator = (() => {
		const [ok, err] = pcall(fn);
		if (!ok) message = tostring(err);
		return undefined;
	}) as unknown as IterableFunction<number>;
	for (const value of iterator) error(`the iterator returned ${value}`);
	return message;
}

function yieldFailure(message: string | undefined): boolean {
	return (
		message !== undefined &&
		message.find("attempt to yield across metamethod/C-call boundary", 1, true)[0] !== undefined
	);
}

const DOCS = "reference/engine/libraries/task, reference/engine/libraries/coroutine";

export = () => {
	describe("Failed yields leave nothing behind", () => {
		it(`a task.wait that cannot yield fails and no stale 1 s timer later resumes an Event:Wait (${DOCS})`, () => {
			const event = new Instance("BindableEvent") as BindableEvent<(value: string) => void>;
			const sleepersBefore = __runtime.Scheduler.pendingSleepers();
			let failure: string | undefined;
			let got: unknown = "nothing yet";
			let resumedAt = -1;
			const started = now();
			task.spawn(() => {
				failure = insideIterator(() => task.wait(1));
				[got] = event.Event.Wait();
				resumedAt = now();
			});
			expect(yieldFailure(failure)).to.equal(true);
			expect(__runtime.Scheduler.pendingSleepers()).to.equal(sleepersBefore);
			task.wait(5);
			expect(got).to.equal("nothing yet");
			event.Fire("the event's value");
			task.wait();
			expect(got).to.equal("the event's value");
			expect(resumedAt - started >= 5).to.equal(true);
			event.Destroy();
		});

		it(`an Event:Wait that cannot yield fails and a later Fire of it resumes nobody (${DOCS})`, () => {
			const first = new Instance("BindableEvent") as BindableEvent<(value: string) => void>;
			const second = new Instance("BindableEvent") as BindableEvent<(value: string) => void>;
			let failure: string | undefined;
			let got: unknown = "nothing yet";
			task.spawn(() => {
				failure = insideIterator(() => first.Event.Wait());
				[got] = second.Event.Wait();
			});
			expect(yieldFailure(failure)).to.equal(true);
			first.Fire("first's value");
			task.wait(1);
			expect(got).to.equal("nothing yet");
			second.Fire("second's value");
			task.wait();
			expect(got).to.equal("second's value");
			first.Destroy();
			second.Destroy();
		});

		it(`a thread parked on coroutine.yield() after failed yields is resumed only by its owner (${DOCS})`, () => {
			const event = new Instance("BindableEvent") as BindableEvent<(value: string) => void>;
			const failures = new Array<string>();
			let got: unknown = "nothing yet";
			const thread = task.spawn(() => {
				failures.push(insideIterator(() => task.wait(0.5)) ?? "no error");
				failures.push(insideIterator(() => event.Event.Wait()) ?? "no error");
				[got] = coroutine.yield() as LuaTuple<[unknown]>;
			});
			expect(failures.size()).to.equal(2);
			expect(yieldFailure(failures[0])).to.equal(true);
			expect(yieldFailure(failures[1])).to.equal(true);
			event.Fire("the event's value");
			task.wait(2);
			expect(coroutine.status(thread)).to.equal("suspended");
			expect(got).to.equal("nothing yet");
			task.spawn(thread, "the owner's value");
			expect(got).to.equal("the owner's value");
			expect(coroutine.status(thread)).to.equal("dead");
			event.Destroy();
		});

		it(`a DataStore call that cannot yield fails without spending budget or writing (${DOCS}, reference/engine/classes/DataStoreService)`, () => {
			const service = game.GetService("DataStoreService");
			const store = service.GetDataStore("FailedYields");
			const setBefore = service.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.SetIncrementAsync);
			const getBefore = service.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetAsync);
			const failures = [
				insideIterator(() => store.SetAsync("k", 1)),
				insideIterator(() => store.UpdateAsync("k", () => $tuple(2))),
				insideIterator(() => store.GetAsync("k")),
			];
			for (const failure of failures) expect(yieldFailure(failure)).to.equal(true);
			expect(service.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.SetIncrementAsync)).to.equal(
				setBefore,
			);
			expect(service.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetAsync)).to.equal(getBefore);
			const [value] = store.GetAsync("k");
			expect(value).to.equal(undefined);
		});

		it(`WaitForChild and a MemoryStore request that cannot yield fail and leave no waiter (${DOCS})`, () => {
			const parent = new Instance("Folder");
			const sleepersBefore = __runtime.Scheduler.pendingSleepers();
			expect(yieldFailure(insideIterator(() => parent.WaitForChild("later", 1)))).to.equal(true);
			const map = game.GetService("MemoryStoreService").GetHashMap("FailedYields");
			expect(yieldFailure(insideIterator(() => map.SetAsync("k", 1, 60)))).to.equal(true);
			expect(__runtime.Scheduler.pendingSleepers()).to.equal(sleepersBefore);
			expect(map.GetAsync("k")).to.equal(undefined);
			parent.Destroy();
		});
	});
};
