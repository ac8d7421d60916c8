/**
 * Runs one headless Roblox session in a worker thread: boots the Luau VM, loads the engine, and runs the
 * requested command (the specs). Output and the final summary go to the parent through postMessage; the
 * parent owns the real-time guard and can terminate this worker at any moment.
 */
import fs from "node:fs";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { createLuauState } from "./vm.mjs";
import { hash, initCodecs, zstdCompress, zstdDecompress, zstdFrameSize } from "./codecs.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const engineDir = path.join(here, "..", "runtime", "engine");
const { treeJson, seed, command, options, realTimeLimitSeconds } = workerData;
const started = performance.now();
/** Characters per slice of the project tree handed to Luau. */
const TREE_SLICE = 65536;

let state;
const host = {
	compile: (source, chunkname) => state.loadstring(source, chunkname, true),
	engineSource: (name) => {
		const file = path.join(engineDir, `${name}.luau`);
		return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
	},
	// luau-web copies a returned string through the WebAssembly stack, so a string of a few megabytes
	// overflows it and traps ("memory access out of bounds"): hand the tree over in slices.
	treeParts: () => Math.ceil(treeJson.length / TREE_SLICE),
	treePart: (i) => treeJson.slice(i * TREE_SLICE, (i + 1) * TREE_SLICE),
	seed: () => seed,
	output: (kind, message) => parentPort.postMessage({ type: "output", kind, message }),
	realtime: () => (performance.now() - started) / 1000,
	// True once the run has used up its real-time budget; the engine then stops the current test and
	// fails the rest, so the summary still reports everything that ran.
	realTimeExceeded: () => Boolean(realTimeLimitSeconds) && (performance.now() - started) / 1000 > realTimeLimitSeconds,
	realTimeLimit: () => realTimeLimitSeconds ?? 0,
	result: (json) => parentPort.postMessage({ type: "result", json }),
	// EncodingService's hashes and Zstandard codec (codecs.mjs); bytes travel as Base64 text.
	hash,
	zstdCompress,
	zstdDecompress,
	zstdFrameSize,
	option: (name) => {
		const v = options[name];
		return v === undefined ? undefined : typeof v === "object" ? JSON.stringify(v) : v;
	},
};

await initCodecs();
state = await createLuauState({ host });
const boot = state.loadstring(fs.readFileSync(path.join(engineDir, "Boot.luau"), "utf8"), "=engine/Boot", true);
const main = state.loadstring(
	// Each host function is read once and kept in a local for the whole session (see Boot.luau: a
	// collected stand-in of a JS function poisons its address).
	`local host = ...
	local boot, result, option = host.boot, host.result, host.option
	local engine = boot(host)
	result(engine.Commands.run(option("command")))`,
	"=engine/Main",
	true,
);
host.boot = boot;
options.command = command;
try {
	await main(host);
} catch (error) {
	parentPort.postMessage({ type: "fatal", message: String(error?.stack ?? error) });
}
