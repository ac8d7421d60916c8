/**
 * Conformance of RBXScriptSignal and RBXScriptConnection under Deferred signal behaviour
 * (https://create.roblox.com/docs/scripting/events/deferred,
 * https://create.roblox.com/docs/reference/engine/datatypes/RBXScriptSignal).
 */
import { captureOutput, now } from "../harness/World";
import { errorOf, settle } from "./support";

export = () => {
	describe("Signals", () => {
		it("runs a handler after the firing code continues, not inside Fire", () => {
			const event = new Instance("BindableEvent");
			const order = new Array<string>();
			event.Event.Connect(() => order.push("handler"));
			event.Fire();
			order.push("after Fire");
			settle();
			expect(order.size()).to.equal(2);
			expect(order[0]).to.equal("after Fire");
			expect(order[1]).to.equal("handler");
		});

		it("runs handlers in the order they were connected", () => {
			const event = new Instance("BindableEvent");
			const order = new Array<number>();
			for (let i = 1; i <= 5; i++) event.Event.Connect(() => order.push(i));
			event.Fire();
			settle();
			expect(order.join(",")).to.equal("1,2,3,4,5");
		});

		it("queues handlers of an event fired by a handler behind the handlers already queued", () => {
			const first = new Instance("BindableEvent");
			const second = new Instance("BindableEvent");
			const order = new Array<string>();
			first.Event.Connect(() => {
				order.push("first A");
				second.Fire();
			});
			first.Event.Connect(() => order.push("first B"));
			second.Event.Connect(() => order.push("second"));
			first.Fire();
			settle();
			settle();
			expect(order.join(",")).to.equal("first A,first B,second");
		});

		it("passes every argument to the handler, nils in between included", () => {
			const event = new Instance("BindableEvent");
			let got: [unknown, unknown, unknown] | undefined;
			event.Event.Connect((a: unknown, b: unknown, c: unknown) => (got = [a, b, c]));
			event.Fire(1, undefined, "three");
			settle();
			expect(got).to.be.ok();
			expect(got![0]).to.equal(1);
			expect(got![1]).to.equal(undefined);
			expect(got![2]).to.equal("three");
		});

		it("does not deliver a fire to a handler connected after it", () => {
			const event = new Instance("BindableEvent");
			let calls = 0;
			event.Fire();
			event.Event.Connect(() => calls++);
			settle();
			expect(calls).to.equal(0);
		});

		it("stops calling a handler after Disconnect and reports Connected false", () => {
			const event = new Instance("BindableEvent");
			let calls = 0;
			const connection = event.Event.Connect(() => calls++);
			expect(connection.Connected).to.equal(true);
			event.Fire();
			settle();
			connection.Disconnect();
			expect(connection.Connected).to.equal(false);
			connection.Disconnect();
			event.Fire();
			settle();
			expect(calls).to.equal(1);
		});

		it("lets a handler disconnect its own connection", () => {
			const event = new Instance("BindableEvent");
			let calls = 0;
			const connection = event.Event.Connect(() => {
				calls++;
				connection.Disconnect();
			});
			event.Fire();
			settle();
			event.Fire();
			settle();
			expect(calls).to.equal(1);
		});

		it("runs a Once handler for the first fire only and disconnects it", () => {
			const event = new Instance("BindableEvent");
			const got = new Array<number>();
			const connection = event.Event.Once((n: number) => got.push(n));
			event.Fire(1);
			expect(connection.Connected).to.equal(false);
			event.Fire(2);
			settle();
			expect(got.size()).to.equal(1);
			expect(got[0]).to.equal(1);
		});

		it("Wait yields until the next fire and returns its arguments", () => {
			const event = new Instance("BindableEvent");
			task.delay(3, () => event.Fire("hello", 42));
			const started = now();
			const [text, n] = event.Event.Wait() as unknown as LuaTuple<[string, number]>;
			expect(text).to.equal("hello");
			expect(n).to.equal(42);
			expect(now() - started >= 3 - 1e-6).to.equal(true);
		});

		it("resumes every thread waiting on a signal with the same fire", () => {
			const event = new Instance("BindableEvent");
			const got = new Array<string>();
			for (let i = 1; i <= 3; i++) {
				task.spawn(() => {
					const [value] = event.Event.Wait() as unknown as LuaTuple<[string]>;
					got.push(`${i}:${value}`);
				});
			}
			event.Fire("go");
			event.Fire("again");
			settle();
			expect(got.join(",")).to.equal("1:go,2:go,3:go");
		});

		it("rejects a handler that is not a function", () => {
			const event = new Instance("BindableEvent");
			expect(errorOf(() => event.Event.Connect(5 as unknown as () => void))).to.equal(
				"Attempt to connect failed: Passed value is not a function",
			);
		});

		it("runs each handler in its own thread: an error or a yield in one does not stop the others", () => {
			const event = new Instance("BindableEvent");
			let reached = 0;
			event.Event.Connect(() => {
				throw "handler exploded";
			});
			event.Event.Connect(() => {
				task.wait(10);
				reached += 100;
			});
			event.Event.Connect(() => reached++);
			const output = captureOutput(() => {
				event.Fire();
				settle();
			});
			expect(reached).to.equal(1);
			const errors = output.filter((o) => o.kind === "error");
			expect(errors.size()).to.equal(1);
			expect(errors[0].message.find("handler exploded", 1, true)[0]).to.be.ok();
		});

		it("gives signals and connections their Roblox type names", () => {
			const event = new Instance("BindableEvent");
			const connection = event.Event.Connect(() => {});
			expect(typeOf(event.Event)).to.equal("RBXScriptSignal");
			expect(typeOf(connection)).to.equal("RBXScriptConnection");
			expect(errorOf(() => (event.Event as unknown as { Nope: unknown }).Nope)).to.equal(
				"Nope is not a valid member of RBXScriptSignal",
			);
		});
	});
};
