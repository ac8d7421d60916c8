#!/usr/bin/env node
/**
 * npm test: builds the project and its specs with rbxtsc, then runs every TestEZ spec on the real Luau
 * VM against the emulated Roblox engine.
 *
 *   npm test                          build and run every spec
 *   npm test -- --filter NAME         only tests whose full name (spec path + describe/it) contains NAME
 *   npm test -- --seed S              the seed for every random choice of the run (default 1)
 *   npm test -- --timeout SECONDS     virtual-time limit of one test (default 1800)
 *   npm test -- --no-build            skip rbxtsc (use the last build)
 *   npm test -- --verbose             show all output as it is written (prints too); without it, what
 *                                     a test writes is shown only under its failure
 *   npm test -- --project FILE        run the specs of another Rojo project file (implies --no-build)
 *   npm test -- --real-time-limit S   stop the run after S seconds of real time (default 540)
 *   npm run chaos -- --seeds N        only the chaos specs, over N seeds each (default 1000)
 *   npm test -- --seeds N             seeds per chaos spec in a normal run (default: each spec's own)
 *
 * The last line is exactly "N passed, N failed, N skipped". The exit status is non-zero on any failure,
 * on an error while loading a spec or planning a describe block, or when no test ran.
 *
 * Each test runs in its own thread with a virtual-time limit (--timeout); a test that needs longer
 * says so with __runtime.TestRunner.setTimeLimit(seconds). `node test/runner/selftest.mjs` proves
 * these rules on throwaway fixture projects.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildProject } from "./build.mjs";
import { runSession } from "./session.mjs";
import { parseRunnerArgs } from "./args.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function parseArgs(argv) {
	const options = {
		build: true,
		seed: 1,
		timeout: 1800,
		verbose: false,
		realTimeLimit: 540,
		project: "test.project.json",
	};
	parseRunnerArgs(argv, options, (arg, next) => {
		if (arg === "--project") {
			options.project = path.resolve(next());
			options.build = false;
		} else if (arg === "--seeds") options.seeds = Number(next());
		else if (arg === "--chaos") {
			options.chaos = true;
			options.filter ??= "chaos";
		} else return false;
		return true;
	});
	if (options.seeds !== undefined && !(options.seeds >= 1)) throw new Error("--seeds needs a positive count");
	// Chaos runs over many seeds take as long as they take: the guard grows with the seeds (30 s each, about
	// six times an idle 2-core machine's rate), or a 1,000-seed run is stopped part way as if it hung.
	if (options.chaos || options.seeds !== undefined) {
		const seeds = options.seeds ?? 1000;
		options.realTimeLimit = Math.max(options.realTimeLimit, 600 + 30 * seeds);
	}
	return options;
}

async function main() {
	const options = parseArgs(process.argv.slice(2));
	const t0 = performance.now();
	// The process's peak resident memory (the Luau VM's WebAssembly memory included: it lives in the worker).
	let peakRss = process.memoryUsage().rss;
	const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);
	// Unref'd: when the build fails, main() rejects before clearInterval, and the timer must not keep the
	// process alive (npm test hung after printing "rbxtsc failed").
	rssSampler.unref();
	if (options.build) buildProject(root, "tsconfig.test.json", "test.project.json");
	const summary = await runSession(root, {
		project: options.project,
		command: "test",
		seed: options.seed,
		verbose: options.verbose,
		realTimeLimit: options.realTimeLimit,
		options: {
			roots: ["Specs"],
			filter: options.filter,
			timeout: options.timeout,
			verbose: options.verbose,
			seeds: options.seeds ?? (options.chaos ? 1000 : undefined),
		},
	});
	for (const failure of summary.failures) {
		console.log(`\nFAIL ${failure.name}\n${failure.message}`);
	}
	const total = summary.passed + summary.failed + summary.skipped;
	clearInterval(rssSampler);
	console.log(`\nseed ${options.seed}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
	const mib = (bytes) => Math.round(bytes / 1048576);
	const heapPeak = summary.heapPeakKiB !== undefined ? `, Luau heap ${mib(summary.heapPeakKiB * 1024)} MiB` : "";
	console.log(`peak memory: RSS ${mib(Math.max(peakRss, process.memoryUsage().rss))} MiB${heapPeak}`);
	if (total === 0) console.log("no test ran");
	console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
	process.exitCode = summary.failed > 0 || total === 0 || summary.passed === 0 ? 1 : 0;
}

main().catch((error) => {
	console.error(error?.stack ?? String(error));
	console.log("0 passed, 1 failed, 0 skipped");
	process.exitCode = 1;
});
