/**
 * Conformance of require with ModuleScript semantics
 * (https://create.roblox.com/docs/reference/engine/classes/ModuleScript,
 * https://create.roblox.com/docs/reference/engine/globals/LuaGlobals#require). The modules are built at
 * run time: the runtime compiles a ModuleScript's Source when it is first required.
 */
import { captureOutput, newServer, now } from "../harness/World";
import { errorOf, folder, moduleWithSource } from "./support";

const COUNT_RUNS = `script:SetAttribute("Runs", (script:GetAttribute("Runs") or 0) + 1)\n`;
const LOAD_ERROR = "Requested module experienced an error while loading";

export = () => {
	describe("require", () => {
		it("runs a module once and gives every require the same value", () => {
			const module = moduleWithSource("Once", COUNT_RUNS + "return { made = os.clock() }", folder("Mods"));
			const first = require(module);
			const second = require(module);
			expect(typeOf(first)).to.equal("table");
			expect(second).to.equal(first);
			expect(module.GetAttribute("Runs")).to.equal(1);
		});

		it("gives a module its own ModuleScript as script and its DataModel as game", () => {
			const module = moduleWithSource("Self", "return { script = script, game = game }", folder("Mods"));
			const result = require(module) as { script: Instance; game: Instance };
			expect(result.script).to.equal(module);
			expect(result.game).to.equal(game);
		});

		it("fails the first and every later require of a module that errors, without running it again", () => {
			const module = moduleWithSource(
				"Broken",
				COUNT_RUNS + 'local x = 1\nerror("broken on purpose")\nreturn x',
				folder("Mods"),
			);
			let first: string | undefined;
			const output = captureOutput(() => {
				first = errorOf(() => require(module));
			});
			expect(first).to.equal(LOAD_ERROR);
			expect(errorOf(() => require(module))).to.equal(LOAD_ERROR);
			expect(module.GetAttribute("Runs")).to.equal(1);
			const errors = output.filter((o) => o.kind === "error");
			expect(errors.size()).to.equal(1);
			expect(errors[0].message.find("Mods.Broken:3: broken on purpose", 1, true)[0]).to.be.ok();
		});

		it("fails a module whose source does not compile the same way", () => {
			const module = moduleWithSource("Syntax", "return (", folder("Mods"));
			let message: string | undefined;
			const output = captureOutput(() => {
				message = errorOf(() => require(module));
			});
			expect(message).to.equal(LOAD_ERROR);
			expect(errorOf(() => require(module))).to.equal(LOAD_ERROR);
			expect(output.filter((o) => o.kind === "error").size()).to.equal(1);
		});

		it("requires a module to return exactly one value", () => {
			const none = moduleWithSource("None", "local x = 1", folder("Mods"));
			const two = moduleWithSource("Two", "return 1, 2", folder("Mods"));
			expect(errorOf(() => require(none))).to.equal("Module code did not return exactly one value");
			expect(errorOf(() => require(two))).to.equal("Module code did not return exactly one value");
		});

		it("detects a cycle with 'Requested module was required recursively'", () => {
			const mods = folder("Mods");
			const a = moduleWithSource("A", "return require(script.Parent.B)", mods);
			moduleWithSource(
				"B",
				"local ok, err = pcall(require, script.Parent.A)\nreturn { ok = ok, err = tostring(err) }",
				mods,
			);
			const result = require(a) as { ok: boolean; err: string };
			expect(result.ok).to.equal(false);
			expect(result.err.find("Requested module was required recursively", 1, true)[0]).to.be.ok();
		});

		it("makes a thread requiring a module another thread is loading wait for the same value", () => {
			const module = moduleWithSource("Slow", "task.wait(2)\n" + COUNT_RUNS + "return {}", folder("Mods"));
			let fromOther: unknown;
			task.spawn(() => {
				fromOther = require(module);
			});
			const started = now();
			const mine = require(module);
			expect(now() - started >= 2 - 1e-6).to.equal(true);
			expect(mine).to.equal(fromOther);
			expect(module.GetAttribute("Runs")).to.equal(1);
		});

		it("fails a waiting thread when the module it waits on errors", () => {
			const module = moduleWithSource("SlowBroken", 'task.wait(1)\nerror("late failure")', folder("Mods"));
			let other: string | undefined;
			captureOutput(() => {
				task.spawn(() => {
					other = errorOf(() => require(module));
				});
				const mine = errorOf(() => require(module));
				expect(mine).to.equal(LOAD_ERROR);
			});
			expect(other).to.equal(LOAD_ERROR);
		});

		it("runs a clone of a ModuleScript as a module of its own", () => {
			const mods = folder("Mods");
			const original = moduleWithSource("Original", "return {}", mods);
			const first = require(original);
			const copy = original.Clone();
			copy.Name = "Copy";
			copy.Parent = mods;
			const fromCopy = require(copy);
			expect(typeOf(fromCopy)).to.equal("table");
			expect(fromCopy).never.to.equal(first);
			expect(require(original)).to.equal(first);
		});

		it("shares _G and shared between the modules of one server but not with another server", () => {
			const writer = moduleWithSource("Writer", '_G.mark = "set"; shared.count = 1; return true', folder("Mods"));
			const readerSource = "return { mark = _G.mark, count = shared.count }";
			require(writer);
			const here = require(moduleWithSource("Reader", readerSource, folder("Mods"))) as {
				mark?: string;
				count?: number;
			};
			expect(here.mark).to.equal("set");
			expect(here.count).to.equal(1);
			const other = newServer({ runScripts: false });
			const there = other.run(() => {
				const holder = new Instance("Folder");
				holder.Parent = other.game.GetService("ReplicatedStorage");
				return require(moduleWithSource("Reader", readerSource, holder));
			}) as { mark?: string; count?: number };
			expect(there.mark).to.equal(undefined);
			expect(there.count).to.equal(undefined);
			other.shutdown();
		});

		it("rejects an argument that is not a ModuleScript", () => {
			const message = "Attempted to call require with invalid argument(s).";
			expect(errorOf(() => require(folder("NotAModule") as unknown as ModuleScript))).to.equal(message);
			expect(errorOf(() => require(new Instance("Script") as unknown as ModuleScript))).to.equal(message);
			expect(errorOf(() => require("Name" as unknown as ModuleScript))).to.equal(message);
		});
	});
};
