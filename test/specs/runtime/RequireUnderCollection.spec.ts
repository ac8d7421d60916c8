/**
 * require keeps its promise however often the collector runs: every require hands back the value its
 * module returned (https://create.roblox.com/docs/reference/engine/classes/ModuleScript). Long chaos runs
 * once got `false` instead (a chunk compiled by the host came back as one of the host's own functions,
 * whose stand-in had been collected); this spec recreates those conditions on purpose: it reads host
 * functions the way specs do, lets the collector run to the end of a cycle, then compiles fresh modules.
 */
import { collectGarbage } from "../harness/Memory";
import { folder, moduleWithSource } from "./support";

const ROUNDS = 100;
const MODULES_PER_ROUND = 25;
const HOST_READS_PER_ROUND = 1000;

export = () => {
	describe("require under garbage collection", () => {
		it("returns each fresh module's own value after collections between host reads and requires", () => {
			const mods = folder("Collected");
			const wrong = new Array<string>();
			const host = __runtime.host as unknown as Record<string, unknown>;
			let reads = 0;
			for (let round = 0; round < ROUNDS; round++) {
				const modules = new Array<ModuleScript>();
				for (let m = 0; m < MODULES_PER_ROUND; m++) {
					modules.push(moduleWithSource(`M${round}_${m}`, `return { id = "${round}.${m}" }`, mods));
				}
				// Reading a host function is what specs do (realtime(), chaos seeds); each read once made a
				// stand-in function that the collection below frees.
				for (let i = 0; i < HOST_READS_PER_ROUND; i++) if (host.realtime !== undefined) reads += 1;
				collectGarbage();
				modules.forEach((module, m) => {
					const id = `${round}.${m}`;
					const value = require(module) as { id?: string } | undefined;
					if (!typeIs(value, "table") || value.id !== id) wrong.push(`${id} gave ${typeOf(value)}`);
				});
			}
			expect(reads).to.equal(ROUNDS * HOST_READS_PER_ROUND);
			expect(wrong.join(", ")).to.equal("");
		});

		it("returns the same value to requires of a loaded module with collections in between", () => {
			const module = moduleWithSource("Kept", "return { made = os.clock() }", folder("Collected"));
			const first = require(module);
			for (let i = 0; i < 5; i++) {
				collectGarbage();
				expect(require(module)).to.equal(first);
			}
		});
	});
};
