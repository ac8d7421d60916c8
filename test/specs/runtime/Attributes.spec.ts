/**
 * Conformance of instance attributes with Instance:SetAttribute / GetAttribute / GetAttributes,
 * AttributeChanged and GetAttributeChangedSignal
 * (https://create.roblox.com/docs/reference/engine/classes/Instance#SetAttribute).
 */
import { errorOf, folder, settle } from "./support";

export = () => {
	describe("Attributes", () => {
		it("stores strings, numbers and booleans, and removes an attribute set to nil", () => {
			const f = folder("Box");
			f.SetAttribute("Title", "crate");
			f.SetAttribute("Count", 3.5);
			f.SetAttribute("Open", false);
			expect(f.GetAttribute("Title")).to.equal("crate");
			expect(f.GetAttribute("Count")).to.equal(3.5);
			expect(f.GetAttribute("Open")).to.equal(false);
			f.SetAttribute("Title", undefined);
			expect(f.GetAttribute("Title")).to.equal(undefined);
			expect(f.GetAttributes().get("Title")).to.equal(undefined);
		});

		it("returns nil for an attribute never set", () => {
			expect(folder("Box").GetAttribute("Missing")).to.equal(undefined);
		});

		it("GetAttributes returns a copy of every attribute", () => {
			const f = folder("Box");
			f.SetAttribute("A", 1);
			f.SetAttribute("B", "two");
			const all = f.GetAttributes();
			expect(all.size()).to.equal(2);
			expect(all.get("A")).to.equal(1);
			expect(all.get("B")).to.equal("two");
			all.set("A", 99);
			expect(f.GetAttribute("A")).to.equal(1);
		});

		it("fires AttributeChanged with the attribute's name after the setter continues", () => {
			const f = folder("Box");
			const names = new Array<string>();
			f.AttributeChanged.Connect((name) => names.push(name));
			f.SetAttribute("Level", 1);
			f.SetAttribute("Level", 2);
			f.SetAttribute("Other", true);
			expect(names.size()).to.equal(0);
			settle();
			expect(names.size()).to.equal(3);
			expect(names[0]).to.equal("Level");
			expect(names[2]).to.equal("Other");
		});

		it("fires GetAttributeChangedSignal only for its own attribute, without arguments", () => {
			const f = folder("Box");
			let calls = 0;
			let argCount = -1;
			f.GetAttributeChangedSignal("Level").Connect((...args: Array<defined>) => {
				calls++;
				argCount = args.size();
			});
			f.SetAttribute("Other", 1);
			f.SetAttribute("Level", 5);
			f.SetAttribute("Level", undefined);
			settle();
			expect(calls).to.equal(2);
			expect(argCount).to.equal(0);
		});

		it("does not fire when an attribute is set to the value it already has", () => {
			const f = folder("Box");
			f.SetAttribute("Level", 1);
			settle();
			let calls = 0;
			f.AttributeChanged.Connect(() => calls++);
			f.GetAttributeChangedSignal("Level").Connect(() => calls++);
			f.SetAttribute("Level", 1);
			f.SetAttribute("Never", undefined);
			settle();
			expect(calls).to.equal(0);
		});

		it("rejects attribute names that are not letters, digits and underscores, or longer than 100", () => {
			const f = folder("Box");
			for (const name of ["has space", "dot.ted", "dash-ed", "", "ü"]) {
				expect(errorOf(() => f.SetAttribute(name, 1))).to.be.ok();
				expect(f.GetAttribute(name)).to.equal(undefined);
			}
			expect(errorOf(() => f.SetAttribute("x".rep(101), 1))).to.be.ok();
			expect(errorOf(() => f.SetAttribute("x".rep(100), 1))).to.equal(undefined);
			expect(errorOf(() => f.SetAttribute("Snake_Case_2", 1))).to.equal(undefined);
		});

		it("rejects attribute names starting with RBX, which Roblox reserves", () => {
			const f = folder("Box");
			expect(errorOf(() => f.SetAttribute("RBXThing", 1))).to.be.ok();
			expect(f.GetAttribute("RBXThing")).to.equal(undefined);
		});

		it("rejects tables, functions and Instances as attribute values", () => {
			const f = folder("Box");
			const values: Array<unknown> = [{}, [1, 2], () => 1, folder("Other")];
			for (const value of values) {
				const message = errorOf(() => f.SetAttribute("Bad", value as AttributeValue));
				expect(message).to.be.ok();
				expect(message!.find("is not a supported attribute type", 1, true)[0]).to.be.ok();
			}
			expect(f.GetAttribute("Bad")).to.equal(undefined);
		});

		it("copies attributes with Clone and keeps them independent", () => {
			const f = folder("Box");
			f.SetAttribute("Level", 1);
			const copy = f.Clone();
			copy.SetAttribute("Level", 2);
			expect(f.GetAttribute("Level")).to.equal(1);
			expect(copy.GetAttribute("Level")).to.equal(2);
		});
	});
};
