/**
 * Conformance of BindableEvent and BindableFunction
 * (https://create.roblox.com/docs/scripting/events/bindable and its argument limitations).
 */
import { now } from "../harness/World";
import { errorOf, folder, settle } from "./support";

export = () => {
	describe("BindableEvent", () => {
		it("copies tables: the handler gets equal contents in a different table", () => {
			const event = new Instance("BindableEvent");
			const sent = { name: "crate", items: [1, 2, 3], nested: { deep: true } };
			let got: typeof sent | undefined;
			event.Event.Connect((value: typeof sent) => (got = value));
			event.Fire(sent);
			settle();
			expect(got).to.be.ok();
			expect(got).never.to.equal(sent);
			expect(got!.nested).never.to.equal(sent.nested);
			expect(got!.name).to.equal("crate");
			expect(got!.items.size()).to.equal(3);
			expect(got!.items[2]).to.equal(3);
			expect(got!.nested.deep).to.equal(true);
		});

		it("drops metatables from tables it passes", () => {
			const event = new Instance("BindableEvent");
			const sent = setmetatable(
				{ value: 1 },
				{
					__index: (() => "from metatable") as unknown as (self: { value: number }, index: unknown) => void,
				},
			);
			let got: object | undefined;
			event.Event.Connect((value: object) => (got = value));
			event.Fire(sent);
			settle();
			expect(got).to.be.ok();
			expect(getmetatable(got!)).to.equal(undefined);
			expect((got as { value: number }).value).to.equal(1);
			expect((got as { extra?: string }).extra).to.equal(undefined);
		});

		it("keeps only the array part of a table with both array and string keys", () => {
			const event = new Instance("BindableEvent");
			const mixed = [10, 20] as unknown as { [key: string]: unknown };
			mixed["label"] = "lost";
			let got: Array<number> | undefined;
			event.Event.Connect((value: Array<number>) => (got = value));
			event.Fire(mixed);
			settle();
			expect(got!.size()).to.equal(2);
			expect(got![1]).to.equal(20);
			expect((got as unknown as { label?: string }).label).to.equal(undefined);
		});

		it("passes Instances as the same Instance", () => {
			const event = new Instance("BindableEvent");
			const target = folder("Target");
			let got: Instance | undefined;
			event.Event.Connect((value: Instance) => (got = value));
			event.Fire(target);
			settle();
			expect(got).to.equal(target);
		});

		it("refuses a cyclic table", () => {
			const event = new Instance("BindableEvent");
			const cyclic: { self?: unknown } = {};
			cyclic.self = cyclic;
			expect(errorOf(() => event.Fire(cyclic))).to.equal("tables cannot be cyclic");
		});
	});

	describe("RemoteFunction callbacks", () => {
		it("lets OnServerInvoke and OnClientInvoke be set to a function or nil but never read", () => {
			const remote = new Instance("RemoteFunction");
			for (const key of ["OnServerInvoke", "OnClientInvoke"]) {
				const members = remote as unknown as { [name: string]: unknown };
				expect(errorOf(() => members[key])).to.equal(
					`${key} is a callback member of RemoteFunction; you can only set the callback value, get is not available`,
				);
				expect(
					errorOf(() => {
						members[key] = "nope";
					}),
				).to.equal(`Unable to assign property ${key}. function expected, got string`);
				expect(
					errorOf(() => {
						members[key] = () => 1;
						members[key] = undefined;
					}),
				).to.equal(undefined);
			}
		});
	});

	describe("BindableFunction", () => {
		it("Invoke returns the callback's results, tables copied both ways", () => {
			const fn = new Instance("BindableFunction");
			const sent = { n: 2 };
			let received: object | undefined;
			const reply = { doubled: 4 };
			fn.OnInvoke = (value: { n: number }) => {
				received = value;
				return $tuple(reply, "second");
			};
			const [result, extra] = fn.Invoke(sent) as unknown as LuaTuple<[{ doubled: number }, string]>;
			expect(received).never.to.equal(sent);
			expect(result).never.to.equal(reply);
			expect(result.doubled).to.equal(4);
			expect(extra).to.equal("second");
		});

		it("Invoke waits until a callback is assigned", () => {
			const fn = new Instance("BindableFunction");
			task.delay(2, () => {
				fn.OnInvoke = (x: number) => x + 1;
			});
			const started = now();
			expect(fn.Invoke(41)).to.equal(42);
			expect(now() - started >= 2 - 1e-6).to.equal(true);
		});

		it("raises an error thrown by the callback in the invoking thread", () => {
			const fn = new Instance("BindableFunction");
			fn.OnInvoke = () => {
				throw "callback failed";
			};
			const message = errorOf(() => fn.Invoke());
			expect(message).to.be.ok();
			expect(message!.find("callback failed", 1, true)[0]).to.be.ok();
		});

		it("lets OnInvoke be set to a function or nil but never read", () => {
			const fn = new Instance("BindableFunction");
			expect(errorOf(() => (fn as unknown as { OnInvoke: unknown }).OnInvoke)).to.equal(
				"OnInvoke is a callback member of BindableFunction; you can only set the callback value, get is not available",
			);
			expect(
				errorOf(() => {
					(fn as unknown as { OnInvoke: unknown }).OnInvoke = 5;
				}),
			).to.equal("Unable to assign property OnInvoke. function expected, got number");
			fn.OnInvoke = () => "first";
			expect(fn.Invoke()).to.equal("first");
			fn.OnInvoke = () => "second";
			expect(fn.Invoke()).to.equal("second");
		});
	});
};
