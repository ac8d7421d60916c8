import { now } from "../harness/World";

const DOCS = "reference/engine/libraries/task, reference/engine/classes/RBXScriptSignal#Wait";

/**
 * A thread waiting in Event:Wait() that someone resumes directly (task.spawn(thread)) stops waiting on the
 * event: it runs on, and a later Fire must not resume it a second time in the middle of whatever it yields
 * on next. The runtime once kept such a thread marked as waiting, so a Fire during its next task.wait
 * woke that wait early with the event's arguments.
 */
export = () => {
	describe("A wait resumed by someone else", () => {
		it(`a thread taken out of Event:Wait by task.spawn is not woken again by a later Fire (${DOCS})`, () => {
			const event = new Instance("BindableEvent") as BindableEvent<(value: string) => void>;
			let fromEvent: unknown = "not resumed";
			let waited: unknown = "not yet";
			let wokeAt = -1;
			const thread = task.spawn(() => {
				[fromEvent] = event.Event.Wait();
				const started = now();
				[waited] = [task.wait(2)];
				wokeAt = now() - started;
			});
			task.wait(0.5);
			task.spawn(thread, "resumed by hand");
			expect(fromEvent).to.equal("resumed by hand");
			event.Fire("the event's value");
			task.wait(0.5);
			expect(waited).to.equal("not yet");
			task.wait(2);
			expect(typeIs(waited, "number")).to.equal(true);
			expect(wokeAt >= 2).to.equal(true);
			event.Destroy();
		});

		it(`a thread taken out of task.wait by task.defer is not resumed again when the wait was due (${DOCS})`, () => {
			const event = new Instance("BindableEvent") as BindableEvent<(value: string) => void>;
			let got: unknown = "nothing yet";
			const thread = task.spawn(() => {
				task.wait(1);
				[got] = event.Event.Wait();
			});
			task.defer(thread);
			task.wait();
			task.wait(2);
			expect(got).to.equal("nothing yet");
			event.Fire("the event's value");
			task.wait();
			expect(got).to.equal("the event's value");
			event.Destroy();
		});
	});
};
