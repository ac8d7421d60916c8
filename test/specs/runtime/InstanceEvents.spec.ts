/**
 * Conformance of the Instance tree events (ChildAdded, ChildRemoved, DescendantAdded, DescendantRemoving,
 * AncestryChanged, Changed, GetPropertyChangedSignal) with
 * https://create.roblox.com/docs/reference/engine/classes/Instance, under deferred signal behaviour.
 */
import { errorOf, folder, settle } from "./support";

export = () => {
	describe("Instance tree events", () => {
		it("fires ChildAdded and ChildRemoved on the parent with the child", () => {
			const root = folder("Root");
			const added = new Array<Instance>();
			const removed = new Array<Instance>();
			root.ChildAdded.Connect((child) => added.push(child));
			root.ChildRemoved.Connect((child) => removed.push(child));
			const a = folder("A", root);
			const b = folder("B", root);
			a.Parent = undefined;
			expect(added.size()).to.equal(0);
			settle();
			expect(added.size()).to.equal(2);
			expect(added[0]).to.equal(a);
			expect(added[1]).to.equal(b);
			expect(removed.size()).to.equal(1);
			expect(removed[0]).to.equal(a);
		});

		it("fires DescendantAdded on every ancestor for the instance and each of its descendants", () => {
			const root = folder("Root");
			const mid = folder("Mid", root);
			const subtree = folder("Sub");
			const leaf = folder("Leaf", subtree);
			const atRoot = new Array<Instance>();
			const atMid = new Array<Instance>();
			root.DescendantAdded.Connect((d) => atRoot.push(d));
			mid.DescendantAdded.Connect((d) => atMid.push(d));
			subtree.Parent = mid;
			settle();
			expect(atRoot.size()).to.equal(2);
			expect(atRoot.includes(subtree)).to.equal(true);
			expect(atRoot.includes(leaf)).to.equal(true);
			expect(atMid.size()).to.equal(2);
		});

		it("fires DescendantRemoving on every ancestor for the instance and each of its descendants", () => {
			const root = folder("Root");
			const mid = folder("Mid", root);
			const subtree = folder("Sub", mid);
			const leaf = folder("Leaf", subtree);
			const atRoot = new Array<Instance>();
			root.DescendantRemoving.Connect((d) => atRoot.push(d));
			subtree.Parent = undefined;
			settle();
			expect(atRoot.size()).to.equal(2);
			expect(atRoot.includes(subtree)).to.equal(true);
			expect(atRoot.includes(leaf)).to.equal(true);
		});

		it("fires AncestryChanged on the moved instance and each descendant with (instance, new parent)", () => {
			const root = folder("Root");
			const subtree = folder("Sub");
			const leaf = folder("Leaf", subtree);
			const seen = new Array<[string, Instance, Instance | undefined]>();
			subtree.AncestryChanged.Connect((child, parent) => seen.push(["Sub", child, parent]));
			leaf.AncestryChanged.Connect((child, parent) => seen.push(["Leaf", child, parent]));
			subtree.Parent = root;
			settle();
			expect(seen.size()).to.equal(2);
			for (const [, child, parent] of seen) {
				expect(child).to.equal(subtree);
				expect(parent).to.equal(root);
			}
			subtree.Parent = undefined;
			settle();
			expect(seen.size()).to.equal(4);
			expect(seen[3][2]).to.equal(undefined);
		});

		it("fires Changed with the property name, only when the value really changes", () => {
			const f = folder("Box");
			const names = new Array<string>();
			(f as unknown as { Changed: RBXScriptSignal<(name: string) => void> }).Changed.Connect((name) =>
				names.push(name),
			);
			f.Name = "Crate";
			f.Name = "Crate";
			f.Archivable = false;
			settle();
			expect(names.size()).to.equal(2);
			expect(names[0]).to.equal("Name");
			expect(names[1]).to.equal("Archivable");
		});

		it("fires GetPropertyChangedSignal handlers without arguments and only for that property", () => {
			const f = folder("Box");
			let calls = 0;
			let argCount = -1;
			f.GetPropertyChangedSignal("Name").Connect((...args: Array<defined>) => {
				calls++;
				argCount = args.size();
			});
			f.Archivable = false;
			f.Name = "Crate";
			settle();
			expect(calls).to.equal(1);
			expect(argCount).to.equal(0);
			expect(f.GetPropertyChangedSignal("Name")).to.equal(f.GetPropertyChangedSignal("Name"));
		});

		it("rejects GetPropertyChangedSignal for a property the class does not have", () => {
			expect(errorOf(() => folder("Box").GetPropertyChangedSignal("Nope" as never))).to.equal(
				"Nope is not a valid property name.",
			);
		});

		it("fires a value object's Changed with the new value, and only for Value", () => {
			const value = new Instance("StringValue");
			const seen = new Array<string>();
			value.Changed.Connect((v) => seen.push(v));
			value.Name = "Label";
			value.Value = "hello";
			settle();
			expect(seen.size()).to.equal(1);
			expect(seen[0]).to.equal("hello");
			let renamed = false;
			value.GetPropertyChangedSignal("Name").Connect(() => (renamed = true));
			value.Name = "Other";
			settle();
			expect(renamed).to.equal(true);
			expect(seen.size()).to.equal(1);
		});

		it("accepts a number for a string property and rejects nil for a property that always has a value", () => {
			const value = new Instance("StringValue");
			(value as unknown as { Value: unknown }).Value = 12;
			expect(value.Value).to.equal("12");
			expect(
				errorOf(() => {
					(value as unknown as { Value: unknown }).Value = undefined;
				}),
			).to.equal("Unable to assign property Value. string expected, got nil");
			expect(value.Value).to.equal("12");
			const flag = new Instance("BoolValue");
			expect(
				errorOf(() => {
					(flag as unknown as { Value: unknown }).Value = undefined;
				}),
			).to.equal("Unable to assign property Value. boolean expected, got nil");
		});

		it("accepts only an Instance or nil for ObjectValue.Value", () => {
			const ref = new Instance("ObjectValue");
			const target = folder("Target");
			ref.Value = target;
			expect(ref.Value).to.equal(target);
			ref.Value = undefined;
			expect(ref.Value).to.equal(undefined);
			expect(
				errorOf(() => {
					(ref as unknown as { Value: unknown }).Value = "Target";
				}),
			).to.equal("Unable to assign property Value. Instance expected, got string");
		});

		it("rejects a value of the wrong type for a typed property", () => {
			const value = new Instance("IntValue");
			const message = errorOf(() => {
				(value as unknown as { Value: unknown }).Value = "ten";
			});
			expect(
				message !== undefined && message.find("Unable to assign property Value.", 1, true)[0] === 1,
			).to.equal(true);
			expect(message !== undefined && message.find("got string", 1, true)[0] !== undefined).to.equal(true);
			expect(value.Value).to.equal(0);
		});
	});
};
