#!/usr/bin/env node
/**
 * npm run bench: builds the project and runs every bench/specs/*.bench.ts on the headless runtime, then
 * prints each figure. Ratios compare against a baseline measured in the same run, so they hold on any
 * machine. `npm run bench -- --filter NAME` runs the benchmarks whose file name contains NAME.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildProject, warnIfStale } from "../test/runner/build.mjs";
import { runSession } from "../test/runner/session.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const filterAt = args.indexOf("--filter");
const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;
if (!args.includes("--no-build")) buildProject(root, "tsconfig.test.json", "test.project.json");
else warnIfStale(root, "tsconfig.test.json");
const result = await runSession(root, {
	project: "test.project.json",
	command: "bench",
	seed: 1,
	verbose: args.includes("--verbose"),
	realTimeLimit: 1800,
	options: { filter },
});
if (result.records === undefined) {
	for (const f of result.failures ?? []) console.log(`FAIL ${f.name}\n${f.message}`);
	process.exit(1);
}
const fmt = (v) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(3) : v.toFixed(3));
let current = "";
for (const r of result.records) {
	if (r.bench !== current) {
		current = r.bench;
		console.log(`\n${current}`);
	}
	console.log(`  ${r.name.padEnd(60)} ${fmt(r.value).padStart(12)} ${r.unit}${r.goal ? `  (goal ${r.goal})` : ""}`);
}
for (const f of result.failures) console.log(`\nFAIL ${f.name}\n${f.message}`);
process.exitCode = result.failures.length > 0 ? 1 : 0;
