/**
 * Conformance of the emulated Instance API with
 * https://create.roblox.com/docs/reference/engine/classes/Instance.
 */
import { captureOutput, now } from "../harness/World";
import { errorOf, folder, rawErrorOf, settle } from "./support";

export = () => {
	describe("Instance basics", () => {
		it("reports typeof 'Instance' for every instance", () => {
			expect(typeOf(new Instance("Folder"))).to.equal("Instance");
			expect(typeOf(new Instance("ModuleScript"))).to.equal("Instance");
			expect(typeIs(new Instance("BindableEvent"), "Instance")).to.equal(true);
			expect(typeOf({})).to.equal("table");
		});

		it("locks an instance's metatable", () => {
			expect(getmetatable(new Instance("Folder"))).to.equal("The metatable is locked");
		});

		it("converts to a string as its Name", () => {
			const f = folder("Crate");
			expect(tostring(f)).to.equal("Crate");
			f.Name = "Box";
			expect(tostring(f)).to.equal("Box");
		});

		it("names a new instance after its class and keeps ClassName read-only", () => {
			const f = new Instance("Configuration");
			expect(f.Name).to.equal("Configuration");
			expect(f.ClassName).to.equal("Configuration");
			expect(
				errorOf(() => {
					(f as unknown as { ClassName: string }).ClassName = "Folder";
				}),
			).to.equal("Unable to assign property ClassName. Property is read only");
			expect(f.ClassName).to.equal("Configuration");
		});

		it("converts a number Name to a string and rejects other Name types", () => {
			const f = new Instance("Folder");
			(f as unknown as { Name: unknown }).Name = 42;
			expect(f.Name).to.equal("42");
			const message = errorOf(() => {
				(f as unknown as { Name: unknown }).Name = {};
			});
			expect(message).to.equal("Unable to assign property Name. string expected, got table");
			expect(f.Name).to.equal("42");
		});

		it("follows the class hierarchy in IsA", () => {
			const scriptInst = new Instance("Script");
			expect(scriptInst.IsA("Script")).to.equal(true);
			expect(scriptInst.IsA("BaseScript")).to.equal(true);
			expect(scriptInst.IsA("LuaSourceContainer")).to.equal(true);
			expect(scriptInst.IsA("Instance")).to.equal(true);
			expect(scriptInst.IsA("ModuleScript")).to.equal(false);
			expect(new Instance("LocalScript").IsA("Script")).to.equal(true);
			expect(new Instance("ModuleScript").IsA("LuaSourceContainer")).to.equal(true);
			expect(new Instance("ModuleScript").IsA("BaseScript")).to.equal(false);
			expect(new Instance("RemoteEvent").IsA("BaseRemoteEvent")).to.equal(true);
			expect(new Instance("UnreliableRemoteEvent").IsA("BaseRemoteEvent")).to.equal(true);
			expect(new Instance("UnreliableRemoteEvent").IsA("RemoteEvent")).to.equal(false);
			expect(new Instance("IntValue").IsA("ValueBase")).to.equal(true);
			expect(new Instance("Folder").IsA("Model")).to.equal(false);
			expect(new Instance("Folder").IsA("NoSuchClass" as keyof Objects)).to.equal(false);
		});

		it("errors with 'X is not a valid member of Y' for unknown members", () => {
			const box = folder("Box");
			folder("Inner", box);
			expect(errorOf(() => (box as unknown as { Nope: unknown }).Nope)).to.equal(
				'Nope is not a valid member of Folder "Box"',
			);
			expect(
				errorOf(() => {
					(box as unknown as { Nope: unknown }).Nope = 1;
				}),
			).to.equal('Nope is not a valid member of Folder "Box"');
			expect(errorOf(() => (box.FindFirstChild("Inner") as unknown as { Deep: unknown }).Deep)).to.equal(
				'Deep is not a valid member of Folder "Box.Inner"',
			);
		});

		it("finds a child by indexing its name, but properties and methods win over children", () => {
			const box = folder("Box");
			const inner = folder("Inner", box);
			folder("Name", box);
			expect((box as unknown as { Inner: Instance }).Inner).to.equal(inner);
			expect(box.Name).to.equal("Box");
		});

		it("refuses to create abstract or unknown classes", () => {
			expect(errorOf(() => new Instance("Instance" as keyof CreatableInstances))).to.equal(
				'Unable to create an Instance of type "Instance"',
			);
			expect(errorOf(() => new Instance("LuaSourceContainer" as keyof CreatableInstances))).to.equal(
				'Unable to create an Instance of type "LuaSourceContainer"',
			);
			expect(errorOf(() => new Instance("Gizmo" as keyof CreatableInstances))).to.equal(
				'Unable to create an Instance of type "Gizmo"',
			);
		});

		it("blames the calling script's line for API misuse, not engine code", () => {
			const here = "ServerScriptService.Specs.runtime.Instance.spec:";
			const misuses: Array<() => unknown> = [
				() => new Instance("Gizmo" as keyof CreatableInstances),
				() => (new Instance("Folder") as unknown as { Nope: unknown }).Nope,
				() => {
					(new Instance("Folder") as unknown as { Name: unknown }).Name = {};
				},
				() => {
					const f = new Instance("Folder");
					f.Parent = f;
				},
				() => new Instance("Folder").SetAttribute("bad name", 1),
			];
			for (const misuse of misuses) {
				const message = rawErrorOf(misuse) ?? "did not throw";
				expect(message.sub(1, here.size())).to.equal(here);
			}
		});

		it("creates the documented classes with their members", () => {
			const remote = new Instance("RemoteEvent");
			expect(typeOf(remote.OnServerEvent)).to.equal("RBXScriptSignal");
			expect(typeOf(remote.OnClientEvent)).to.equal("RBXScriptSignal");
			expect(typeOf(remote.FireClient)).to.equal("function");
			const unreliable = new Instance("UnreliableRemoteEvent");
			expect(typeOf(unreliable.OnServerEvent)).to.equal("RBXScriptSignal");
			const fn = new Instance("RemoteFunction");
			expect(typeOf(fn.InvokeClient)).to.equal("function");
			expect(typeOf(new Instance("BindableEvent").Event)).to.equal("RBXScriptSignal");
			expect(typeOf(new Instance("BindableFunction").Invoke)).to.equal("function");
			expect(new Instance("Configuration").ClassName).to.equal("Configuration");
			expect(new Instance("Script").Enabled).to.equal(true);
			expect(new Instance("StringValue").Value).to.equal("");
			expect(new Instance("ObjectValue").Value).to.equal(undefined);
		});
	});

	describe("Script classes", () => {
		it("keeps Disabled the inverse of Enabled on Script and LocalScript", () => {
			for (const className of ["Script", "LocalScript"] as const) {
				const s = new Instance(className);
				expect(s.Enabled).to.equal(true);
				expect(s.Disabled).to.equal(false);
				s.Disabled = true;
				expect(s.Enabled).to.equal(false);
				s.Enabled = true;
				expect(s.Disabled).to.equal(false);
			}
		});
	});

	describe("Instance Parent", () => {
		it("parents through Instance.new's second argument", () => {
			const box = folder("Box");
			const child = new Instance("Folder", box);
			expect(child.Parent).to.equal(box);
			expect(box.GetChildren()[0]).to.equal(child);
			expect(errorOf(() => new Instance("Folder", "Box" as unknown as Instance))).to.equal(
				"Unable to assign property Parent. Instance expected, got string",
			);
		});

		it("moves an instance between parents and updates both child lists", () => {
			const a = folder("A");
			const b = folder("B");
			const c = folder("C", a);
			c.Parent = b;
			expect(c.Parent).to.equal(b);
			expect(a.GetChildren().size()).to.equal(0);
			expect(b.GetChildren()[0]).to.equal(c);
			c.Parent = undefined;
			expect(c.Parent).to.equal(undefined);
			expect(b.GetChildren().size()).to.equal(0);
		});

		it("rejects an instance as its own parent and a parent that would make a cycle", () => {
			const a = folder("A");
			const b = folder("B", a);
			expect(
				errorOf(() => {
					a.Parent = a;
				}),
			).to.equal("Attempt to set A as its own parent");
			expect(
				errorOf(() => {
					a.Parent = b;
				}),
			).to.equal("Attempt to set parent of A to A.B would result in circular reference");
			expect(a.Parent).to.equal(undefined);
			expect(
				errorOf(() => {
					(a as unknown as { Parent: unknown }).Parent = "B";
				}),
			).to.equal("Unable to assign property Parent. Instance expected, got string");
		});
	});

	describe("Instance lookup", () => {
		it("FindFirstChild returns the first child with the name, searching deeper only when recursive", () => {
			const root = folder("Root");
			const mid = folder("Mid", root);
			const deep = folder("Target", mid);
			expect(root.FindFirstChild("Target")).to.equal(undefined);
			expect(root.FindFirstChild("Target", true)).to.equal(deep);
			expect(root.FindFirstDescendant("Target")).to.equal(deep);
			const first = folder("Target", root);
			folder("Target", root);
			expect(root.FindFirstChild("Target")).to.equal(first);
		});

		it("FindFirstChildOfClass matches the exact class only", () => {
			const root = folder("Root");
			new Instance("LocalScript", root);
			const scriptInst = new Instance("Script", root);
			expect(root.FindFirstChildOfClass("Script")).to.equal(scriptInst);
			expect(root.FindFirstChildOfClass("Model")).to.equal(undefined);
		});

		it("FindFirstChildWhichIsA matches subclasses, searching deeper only when recursive", () => {
			const root = folder("Root");
			const mid = folder("Mid", root);
			const deep = new Instance("IntValue", mid);
			expect(root.FindFirstChildWhichIsA("ValueBase")).to.equal(undefined);
			expect(root.FindFirstChildWhichIsA("ValueBase", true)).to.equal(deep);
			const localScript = new Instance("LocalScript", root);
			expect(root.FindFirstChildWhichIsA("BaseScript")).to.equal(localScript);
		});

		it("FindFirstAncestor, FindFirstAncestorOfClass and FindFirstAncestorWhichIsA walk up from the parent", () => {
			const model = new Instance("Model");
			model.Name = "Top";
			const config = new Instance("Configuration", model);
			config.Name = "Top";
			const leaf = folder("Leaf", config);
			expect(leaf.FindFirstAncestor("Top")).to.equal(config);
			expect(leaf.FindFirstAncestor("Leaf")).to.equal(undefined);
			expect(leaf.FindFirstAncestorOfClass("Model")).to.equal(model);
			expect(leaf.FindFirstAncestorWhichIsA("Instance")).to.equal(config);
			expect(leaf.FindFirstAncestorOfClass("Folder")).to.equal(undefined);
		});

		it("GetChildren returns a fresh array in the order children were added", () => {
			const root = folder("Root");
			const a = folder("A", root);
			const b = folder("B", root);
			const c = folder("C", root);
			const children = root.GetChildren();
			expect(children.size()).to.equal(3);
			expect(children[0]).to.equal(a);
			expect(children[1]).to.equal(b);
			expect(children[2]).to.equal(c);
			children.clear();
			expect(root.GetChildren().size()).to.equal(3);
		});

		it("GetDescendants lists every descendant depth-first", () => {
			const root = folder("Root");
			const a = folder("A", root);
			const a1 = folder("A1", a);
			const b = folder("B", root);
			const list = root.GetDescendants();
			expect(list.size()).to.equal(3);
			expect(list[0]).to.equal(a);
			expect(list[1]).to.equal(a1);
			expect(list[2]).to.equal(b);
		});

		it("GetFullName joins the names from the top ancestor, leaving out the DataModel", () => {
			const root = folder("Root");
			const leaf = folder("Leaf", folder("Mid", root));
			expect(leaf.GetFullName()).to.equal("Root.Mid.Leaf");
			root.Parent = game.GetService("ReplicatedStorage");
			expect(leaf.GetFullName()).to.equal("ReplicatedStorage.Root.Mid.Leaf");
			root.Destroy();
		});

		it("IsDescendantOf and IsAncestorOf follow the parent chain", () => {
			const root = folder("Root");
			const leaf = folder("Leaf", folder("Mid", root));
			expect(leaf.IsDescendantOf(root)).to.equal(true);
			expect(root.IsAncestorOf(leaf)).to.equal(true);
			expect(root.IsDescendantOf(leaf)).to.equal(false);
			expect(leaf.IsDescendantOf(leaf)).to.equal(false);
		});
	});

	describe("Instance Destroy and Clone", () => {
		it("Destroy sets Parent to nil and locks it", () => {
			const root = folder("Root");
			const child = folder("Child", root);
			child.Destroy();
			expect(child.Parent).to.equal(undefined);
			expect(root.GetChildren().size()).to.equal(0);
			expect(
				errorOf(() => {
					child.Parent = root;
				}),
			).to.equal("The Parent property of Child is locked, current parent: NULL, new parent Root");
		});

		it("Destroy destroys descendants and disconnects their connections", () => {
			const root = folder("Root");
			const leaf = folder("Leaf", folder("Mid", root));
			let calls = 0;
			const connection = leaf.GetPropertyChangedSignal("Name").Connect(() => calls++);
			root.Destroy();
			expect(connection.Connected).to.equal(false);
			expect(
				errorOf(() => {
					leaf.Parent = root;
				}),
			).to.equal("The Parent property of Leaf is locked, current parent: NULL, new parent Root");
			leaf.Name = "Renamed";
			settle();
			expect(calls).to.equal(0);
		});

		it("Destroy fires Destroying immediately, before the instance and its descendants leave their parents", () => {
			// Instance.Destroying: "fires immediately before the Instance or one of its ancestors is destroyed";
			// a handler that does not yield still sees the instance in place.
			const container = folder("Container");
			const root = folder("Root", container);
			const leaf = folder("Leaf", root);
			const seen = new Array<string>();
			root.Destroying.Connect(() => seen.push(`Root in ${root.Parent?.Name}`));
			leaf.Destroying.Connect(() => seen.push(`Leaf in ${leaf.Parent?.Name}`));
			root.Destroy();
			expect(seen.size()).to.equal(2);
			expect(seen[0]).to.equal("Root in Container");
			expect(seen[1]).to.equal("Leaf in Root");
			expect(root.Parent).to.equal(undefined);
			expect(leaf.Parent).to.equal(undefined);
		});

		it("ClearAllChildren destroys every child and keeps the instance", () => {
			const root = folder("Root");
			const a = folder("A", root);
			folder("B", root);
			root.ClearAllChildren();
			expect(root.GetChildren().size()).to.equal(0);
			expect(
				errorOf(() => {
					a.Parent = root;
				}),
			).to.equal("The Parent property of A is locked, current parent: NULL, new parent Root");
			folder("C", root);
			expect(root.GetChildren().size()).to.equal(1);
		});

		it("Clone deep-copies properties, attributes and children into an unparented copy", () => {
			const parent = folder("Parent");
			const root = folder("Root", parent);
			root.SetAttribute("Level", 3);
			const value = new Instance("StringValue", folder("Mid", root));
			value.Value = "hello";
			const copy = root.Clone();
			expect(copy).never.to.equal(root);
			expect(copy.Parent).to.equal(undefined);
			expect(copy.Name).to.equal("Root");
			expect(copy.GetAttribute("Level")).to.equal(3);
			const copiedValue = copy.FindFirstChild("Mid")!.FindFirstChildOfClass("StringValue")!;
			expect(copiedValue).never.to.equal(value);
			expect(copiedValue.Value).to.equal("hello");
			copiedValue.Value = "changed";
			expect(value.Value).to.equal("hello");
		});

		it("Clone points references inside the cloned tree at the copies and keeps outside references", () => {
			const outside = folder("Outside");
			const root = folder("Root");
			const target = folder("Target", root);
			const inner = new Instance("ObjectValue", root);
			inner.Name = "Inner";
			inner.Value = target;
			const outer = new Instance("ObjectValue", root);
			outer.Name = "Outer";
			outer.Value = outside;
			const copy = root.Clone();
			const copiedTarget = copy.FindFirstChild("Target");
			expect(copiedTarget).never.to.equal(target);
			expect((copy.FindFirstChild("Inner") as ObjectValue).Value).to.equal(copiedTarget);
			expect((copy.FindFirstChild("Outer") as ObjectValue).Value).to.equal(outside);
			expect(inner.Value).to.equal(target);
		});

		it("Clone leaves out non-Archivable descendants and returns nil for a non-Archivable instance", () => {
			const root = folder("Root");
			folder("Kept", root);
			const skipped = folder("Skipped", root);
			skipped.Archivable = false;
			const copy = root.Clone();
			expect(copy.FindFirstChild("Kept")).to.be.ok();
			expect(copy.FindFirstChild("Skipped")).to.equal(undefined);
			expect(skipped.Clone()).to.equal(undefined);
		});
	});

	describe("Instance WaitForChild", () => {
		it("returns an existing child at once, without yielding", () => {
			const root = folder("Root");
			const child = folder("Child", root);
			const before = now();
			expect(root.WaitForChild("Child")).to.equal(child);
			expect(now()).to.equal(before);
		});

		it("resumes with the child once it is added", () => {
			const root = folder("Root");
			let found: Instance | undefined;
			task.spawn(() => {
				found = root.WaitForChild("Late");
			});
			task.wait(1);
			expect(found).to.equal(undefined);
			const late = folder("Late", root);
			settle();
			expect(found).to.equal(late);
		});

		it("returns nil when the timeout passes, without warning", () => {
			const root = folder("Root");
			let result: Instance | undefined;
			let elapsed = -1;
			const output = captureOutput(() => {
				const started = now();
				result = root.WaitForChild("Never", 2);
				elapsed = now() - started;
			});
			expect(result).to.equal(undefined);
			expect(math.abs(elapsed - 2) < 0.05).to.equal(true);
			expect(output.filter((o) => o.kind === "warn").size()).to.equal(0);
		});

		it("warns 'Infinite yield possible' after 5 seconds without a timeout", () => {
			const root = folder("Root");
			folder("Box", root);
			const box = root.FindFirstChild("Box")!;
			let found: Instance | undefined;
			const early = captureOutput(() => {
				task.spawn(() => {
					found = box.WaitForChild("Y");
				});
				task.wait(4.9);
			});
			expect(early.filter((o) => o.kind === "warn").size()).to.equal(0);
			const late = captureOutput(() => task.wait(0.2));
			const warnings = late.filter((o) => o.kind === "warn");
			expect(warnings.size()).to.equal(1);
			expect(warnings[0].message).to.equal(`Infinite yield possible on 'Root.Box:WaitForChild("Y")'`);
			const y = folder("Y", box);
			settle();
			expect(found).to.equal(y);
		});
	});
};
