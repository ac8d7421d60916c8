import { t } from "@rbxts/t";
import { Janitor } from "@rbxts/janitor";
import { now } from "../harness/World";

export = () => {
	describe("@rbxts/t on the emulated engine", () => {
		it("checks primitive types and interfaces", () => {
			const isProfile = t.interface({ name: t.string, coins: t.numberMin(0), tags: t.array(t.string) });
			expect(isProfile({ name: "a", coins: 3, tags: ["x"] })).to.equal(true);
			expect(isProfile({ name: "a", coins: -1, tags: [] })).to.equal(false);
			expect(isProfile({ name: 1, coins: 3, tags: [] })).to.equal(false);
			expect(t.integer(1.5)).to.equal(false);
			expect(t.optional(t.string)(undefined)).to.equal(true);
		});

		it("t.Instance, t.instanceIsA and t.instanceOf accept emulated Instances and reject look-alikes", () => {
			const folder = new Instance("Folder");
			const model = new Instance("Model");
			expect(t.Instance(folder)).to.equal(true);
			expect(t.Instance({ ClassName: "Folder" })).to.equal(false);
			expect(t.instanceIsA("Folder")(folder)).to.equal(true);
			expect(t.instanceIsA("Instance")(model)).to.equal(true);
			expect(t.instanceIsA("Folder")(model)).to.equal(false);
			expect(t.instanceOf("Model")(model)).to.equal(true);
			expect(t.instanceOf("Model")(folder)).to.equal(false);
		});

		it("t.enum and t.EnumItem recognise emulated enums", () => {
			expect(t.EnumItem(Enum.SortDirection.Ascending)).to.equal(true);
			expect(t.EnumItem("Ascending")).to.equal(false);
			expect(t.enum(Enum.SortDirection)(Enum.SortDirection.Ascending)).to.equal(true);
			expect(t.enum(Enum.SortDirection)(Enum.DataStoreRequestType.GetAsync)).to.equal(false);
		});
	});

	describe("@rbxts/janitor on the emulated engine", () => {
		it("Cleanup destroys Instances, disconnects connections and calls functions", () => {
			const janitor = new Janitor();
			const parent = new Instance("Folder");
			const child = new Instance("Folder");
			child.Parent = parent;
			const event = new Instance("BindableEvent");
			let fired = 0;
			let called = false;
			janitor.Add(child);
			const connection = janitor.Add(event.Event.Connect(() => (fired += 1)));
			janitor.Add(() => (called = true), true);
			event.Fire();
			task.wait();
			expect(fired).to.equal(1);
			janitor.Cleanup();
			expect(child.Parent).to.equal(undefined);
			expect(connection.Connected).to.equal(false);
			expect(called).to.equal(true);
			event.Fire();
			task.wait();
			expect(fired).to.equal(1);
		});

		it("Remove cleans up one indexed object and leaves the rest", () => {
			const janitor = new Janitor<{ a: () => void; b: () => void }>();
			const log = new Array<string>();
			janitor.Add(() => log.push("a"), true, "a");
			janitor.Add(() => log.push("b"), true, "b");
			janitor.Remove("a");
			expect(log.join(",")).to.equal("a");
			janitor.Destroy();
			expect(log.join(",")).to.equal("a,b");
		});
	});

	describe("roblox-ts Promise on virtual time", () => {
		it("Promise.delay resolves after that many virtual seconds", () => {
			const started = now();
			const [ok, elapsed] = Promise.delay(5).await();
			expect(ok).to.equal(true);
			expect(now() - started).to.be.near(5, 2 / 60);
			expect(elapsed as number).to.be.near(5, 2 / 60);
		});

		it("async functions await promises resolved from other threads", () => {
			const compute = async (x: number) => {
				await Promise.delay(1);
				const y = await new Promise<number>((resolve) => task.delay(2, () => resolve(x * 2)));
				return y + 1;
			};
			const started = now();
			expect(compute(20).expect()).to.equal(41);
			expect(now() - started).to.be.near(3, 3 / 60);
		});

		it("timeout rejects with a TimedOut error after the given virtual seconds and cancels the inner promise", () => {
			let innerCancelled = false;
			const slow = new Promise<void>((resolve, _, onCancel) => {
				const thread = task.delay(60, resolve);
				onCancel(() => {
					innerCancelled = true;
					task.cancel(thread);
				});
			});
			const started = now();
			const [ok, err] = slow.timeout(2).await();
			expect(ok).to.equal(false);
			expect(Promise.Error.isKind(err, Promise.Error.Kind.TimedOut)).to.equal(true);
			expect(now() - started).to.be.near(2, 2 / 60);
			expect(innerCancelled).to.equal(true);
		});

		it("cancel stops a pending promise, runs its onCancel and cancels the delay behind it", () => {
			let cancelled = false;
			let resolved = false;
			const p = Promise.delay(10).andThen(() => {
				resolved = true;
			});
			const q = new Promise<void>((_, __, onCancel) => onCancel(() => (cancelled = true)));
			p.cancel();
			q.cancel();
			expect(p.getStatus()).to.equal(Promise.Status.Cancelled);
			expect(q.getStatus()).to.equal(Promise.Status.Cancelled);
			expect(cancelled).to.equal(true);
			task.wait(11);
			expect(resolved).to.equal(false);
		});

		it("rejections carry the error and an unhandled rejection does not stop other work", () => {
			const [ok, err] = Promise.reject("bad input").await();
			expect(ok).to.equal(false);
			expect(err).to.equal("bad input");
			const thrown = new Promise(() => {
				error("thrown inside");
			});
			const [ok2, err2] = thrown.await();
			expect(ok2).to.equal(false);
			expect(tostring(err2).find("thrown inside")[0] !== undefined).to.equal(true);
		});
	});
};
