/**
 * Conformance of the DataModel the runtime builds from test.project.json with Rojo's sync rules
 * (https://rojo.space/docs/v7/sync-details/). The fixture files live in test/fixtures, mapped to
 * ReplicatedStorage.Fixtures.
 */
const ReplicatedStorage = game.GetService("ReplicatedStorage");

function fixtures(): Instance {
	return ReplicatedStorage.WaitForChild("Fixtures");
}

function child(parent: Instance, ...path: Array<string>): Instance {
	let node = parent;
	for (const name of path) {
		const found = node.FindFirstChild(name);
		if (!found) throw `${node.GetFullName()} has no child ${name}`;
		node = found;
	}
	return node;
}

export = () => {
	describe("Rojo tree", () => {
		it("maps include/RuntimeLib.lua to the ModuleScript ReplicatedStorage.rbxts_include.RuntimeLib", () => {
			const runtimeLib = child(ReplicatedStorage, "rbxts_include", "RuntimeLib");
			expect(runtimeLib.ClassName).to.equal("ModuleScript");
			const lib = require(runtimeLib as ModuleScript) as { import: unknown };
			expect(typeOf(lib.import)).to.equal("function");
		});

		it("turns a package directory with init.lua into a ModuleScript and skips files Rojo has no rule for", () => {
			const rbxts = child(ReplicatedStorage, "rbxts_include", "node_modules", "@rbxts");
			const services = child(rbxts, "services");
			expect(services.ClassName).to.equal("ModuleScript");
			// README.md, index.d.ts and plugin.d.ts have no rule; package.json is ignored by globIgnorePaths.
			expect(services.GetChildren().size()).to.equal(0);
			expect(child(rbxts, "t").ClassName).to.equal("Folder");
			expect(child(rbxts, "t", "lib").ClassName).to.equal("Folder");
			expect(child(rbxts, "t", "lib", "ts").ClassName).to.equal("ModuleScript");
		});

		it("turns a directory with init.luau into a ModuleScript holding the directory's other files", () => {
			const pkg = child(fixtures(), "Package");
			expect(pkg.ClassName).to.equal("ModuleScript");
			expect(pkg.GetChildren().size()).to.equal(1);
			expect(child(pkg, "Helper").ClassName).to.equal("ModuleScript");
			const value = require(pkg as ModuleScript) as { name: string; helper: string };
			expect(value.name).to.equal("Package");
			expect(value.helper).to.equal("helper");
		});

		it("takes only the exact init names out of a directory; init.spec.luau and init.test.lua are ordinary modules (rojo.space/docs/v7/sync-details)", () => {
			const initNames = child(fixtures(), "InitNames");
			expect(initNames.ClassName).to.equal("Folder");
			const names = initNames.GetChildren().map((c) => c.Name);
			names.sort();
			expect(names.join(",")).to.equal("init.spec,init.test,initial");
			expect(require(child(initNames, "init.spec") as ModuleScript)).to.equal("init.spec");
			expect(require(child(initNames, "init.test") as ModuleScript)).to.equal("init.test");
			const tested = child(fixtures(), "Tested");
			expect(tested.ClassName).to.equal("ModuleScript");
			expect((require(tested as ModuleScript) as { name: string }).name).to.equal("Tested");
			expect(require(child(tested, "init.spec") as ModuleScript)).to.equal("the package's own spec");
		});

		it("turns a directory with init.server.luau into a Script holding the directory's other files", () => {
			const service = child(fixtures(), "Service");
			expect(service.ClassName).to.equal("Script");
			expect(child(service, "Part").ClassName).to.equal("ModuleScript");
		});

		it("turns .server.luau into a Script and .client.luau into a LocalScript", () => {
			expect(child(fixtures(), "Runner").ClassName).to.equal("Script");
			expect(child(fixtures(), "Hud").ClassName).to.equal("LocalScript");
		});

		it("applies a sibling .meta.json's properties and attributes", () => {
			const runner = child(fixtures(), "Runner") as Script;
			expect(runner.Disabled).to.equal(true);
			expect(runner.GetAttribute("Role")).to.equal("runner");
		});

		it("gives a directory the class and attributes of its init.meta.json", () => {
			const configured = child(fixtures(), "Configured");
			expect(configured.ClassName).to.equal("Configuration");
			expect(configured.GetAttribute("Level")).to.equal(3);
			expect(child(configured, "Item").ClassName).to.equal("ModuleScript");
		});

		it("turns a .json file into a ModuleScript that returns the decoded data", () => {
			const settings = child(fixtures(), "Settings");
			expect(settings.ClassName).to.equal("ModuleScript");
			const data = require(settings as ModuleScript) as {
				maxSlots: number;
				names: Array<string>;
				nested: { enabled: boolean };
			};
			expect(data.maxSlots).to.equal(5);
			expect(data.names.size()).to.equal(2);
			expect(data.names[1]).to.equal("beta");
			expect(data.nested.enabled).to.equal(true);
		});

		it("turns a .txt file into a StringValue holding the file's text", () => {
			const notes = child(fixtures(), "Notes");
			expect(notes.ClassName).to.equal("StringValue");
			expect((notes as StringValue).Value).to.equal("hello from a txt file");
		});

		it("turns nested directories into nested Folders", () => {
			const leaf = child(fixtures(), "Nested", "Deeper", "Leaf");
			expect(leaf.ClassName).to.equal("ModuleScript");
			expect(leaf.Parent!.ClassName).to.equal("Folder");
			expect(leaf.Parent!.Parent!.ClassName).to.equal("Folder");
			expect(leaf.GetFullName()).to.equal("ReplicatedStorage.Fixtures.Nested.Deeper.Leaf");
			expect(require(leaf as ModuleScript)).to.equal("leaf");
		});

		it("builds a .model.json file's instances, naming an unnamed one after its class", () => {
			const inventory = child(fixtures(), "Inventory");
			expect(inventory.ClassName).to.equal("Folder");
			expect(inventory.GetAttribute("Kind")).to.equal("inventory");
			expect((child(inventory, "Count") as IntValue).Value).to.equal(5);
			expect((child(inventory, "StringValue") as StringValue).Value).to.equal("unnamed");
		});

		it("applies $attributes of a project node", () => {
			expect(fixtures().GetAttribute("Origin")).to.equal("test.project.json");
		});

		it("compiles each spec file to a ModuleScript named after it under ServerScriptService.Specs", () => {
			expect(script.ClassName).to.equal("ModuleScript");
			expect(script.Name).to.equal("RojoTree.spec");
			expect(script.GetFullName()).to.equal("ServerScriptService.Specs.runtime.RojoTree.spec");
		});
	});
};
