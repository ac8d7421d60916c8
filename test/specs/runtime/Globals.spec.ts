import { captureOutput } from "../harness/World";

export = () => {
	describe("Roblox globals", () => {
		it("typeof names emulated engine values by their Roblox type", () => {
			const folder = new Instance("Folder");
			const event = new Instance("BindableEvent");
			const connection = event.Event.Connect(() => {});
			expect(typeOf(folder)).to.equal("Instance");
			expect(typeOf(event.Event)).to.equal("RBXScriptSignal");
			expect(typeOf(connection)).to.equal("RBXScriptConnection");
			expect(typeOf(new Random(1))).to.equal("Random");
			expect(typeOf(DateTime.now())).to.equal("DateTime");
			expect(typeOf(Enum.SortDirection.Ascending)).to.equal("EnumItem");
			expect(typeOf({})).to.equal("table");
			connection.Disconnect();
		});

		it("collectgarbage only answers 'count', in KiB, and points elsewhere for anything else", () => {
			const kib = collectgarbage("count");
			expect(kib > 0).to.equal(true);
			expect(kib).to.be.near(gcinfo(), 1024);
			expect(() => (collectgarbage as unknown as (o: string) => number)("collect")).to.throw(
				"collectgarbage must be called with 'count'",
			);
		});

		it("print joins its arguments with spaces and warn writes a warning, labelled with the server", () => {
			const output = captureOutput(() => {
				print("a", 1, true, undefined);
				warn("careful", 2);
			});
			expect(output.size()).to.equal(2);
			expect(output[0].kind).to.equal("print");
			expect(output[0].message).to.equal("a 1 true nil");
			expect(output[1].kind).to.equal("warn");
			expect(output[1].message).to.equal("careful 2");
			expect(output[0].context).to.equal("test server");
		});

		it("gives each module its own script and the game of the server that required it", () => {
			expect(script.Name).to.equal("Globals.spec");
			expect(script.IsA("ModuleScript")).to.equal(true);
			expect(script.FindFirstAncestorOfClass("DataModel")).to.equal(game);
		});

		it("version() gives four dot-separated numbers", () => {
			expect(version().match("^%d+%.%d+%.%d+%.%d+$")[0] !== undefined).to.equal(true);
		});
	});
};
