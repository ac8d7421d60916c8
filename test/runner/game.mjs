#!/usr/bin/env node
/**
 * roblox-data-service-test: runs the TestEZ specs of a game's own Rojo project on the headless runtime
 * (the same runtime and runner as this package's `npm test`). Run it from the game's folder:
 *
 *   npx roblox-data-service-test                        build with rbxtsc, then run every spec
 *   npx roblox-data-service-test --filter NAME          only tests whose full name contains NAME
 *   npx roblox-data-service-test --seed S               the seed of every random choice (default 1)
 *   npx roblox-data-service-test --timeout SECONDS      virtual-time limit of one test (default 1800)
 *   npx roblox-data-service-test --tsconfig FILE        the tsconfig to build (default tsconfig.json)
 *   npx roblox-data-service-test --project FILE         the Rojo project to run (default test.project.json)
 *   npx roblox-data-service-test --specs NAME           the ServerScriptService folder holding the specs
 *                                                       (default Specs; repeat for several)
 *   npx roblox-data-service-test --no-build             skip rbxtsc
 *   npx roblox-data-service-test --verbose              show prints as they are written
 *
 * The game's project must put roblox-ts's include folder and node_modules/@rbxts (with @rbxts/testez) at
 * ReplicatedStorage.rbxts_include, as `rbxtsc init game` does. The last line is "N passed, N failed,
 * N skipped"; the exit status is non-zero on any failure or when no test ran.
 */
import path from "node:path";
import { buildProject } from "./build.mjs";
import { runSession } from "./session.mjs";
import { parseRunnerArgs } from "./args.mjs";

const options = {
	build: true,
	seed: 1,
	timeout: 1800,
	verbose: false,
	tsconfig: "tsconfig.json",
	project: "test.project.json",
	specs: [],
	realTimeLimit: 540,
};
parseRunnerArgs(process.argv.slice(2), options, (arg, next) => {
	if (arg === "--tsconfig") options.tsconfig = next();
	else if (arg === "--project") options.project = next();
	else if (arg === "--specs") options.specs.push(next());
	else return false;
	return true;
});
const root = process.cwd();
const t0 = performance.now();
if (options.build) buildProject(root, options.tsconfig, options.project);
const summary = await runSession(root, {
	project: path.resolve(root, options.project),
	command: "test",
	seed: options.seed,
	verbose: options.verbose,
	realTimeLimit: options.realTimeLimit,
	options: {
		roots: options.specs.length > 0 ? options.specs : ["Specs"],
		filter: options.filter,
		timeout: options.timeout,
		verbose: options.verbose,
	},
});
for (const failure of summary.failures) console.log(`\nFAIL ${failure.name}\n${failure.message}`);
const total = summary.passed + summary.failed + summary.skipped;
console.log(`\nseed ${options.seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (total === 0) console.log("no test ran");
console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
process.exitCode = summary.failed > 0 || total === 0 || summary.passed === 0 ? 1 : 0;
