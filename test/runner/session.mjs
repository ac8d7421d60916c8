/**
 * Runs one headless session in a worker thread and returns its summary. The worker is terminated if it
 * outlives the real-time guard, so a runaway Luau loop cannot hang the run.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { readProject } from "./rojo.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

export function runSession(root, { project, command, seed, verbose, realTimeLimit, options, onOutput }) {
	const tree = readProject(path.resolve(root, project));
	return new Promise((resolve) => {
		const worker = new Worker(path.join(here, "worker.mjs"), {
			workerData: { treeJson: JSON.stringify(tree), seed, command, options, realTimeLimitSeconds: realTimeLimit },
		});
		let settled = false;
		const finish = (summary) => {
			if (settled) return;
			settled = true;
			clearTimeout(guard);
			worker.terminate();
			resolve(summary);
		};
		const fatal = (message) =>
			finish({ passed: 0, failed: 1, skipped: 0, failures: [{ name: "headless runtime", message }] });
		// Hard guard: the worker checks the clock itself every 64 frames; this catches loops that never yield.
		const guard = setTimeout(
			() => fatal(`real-time guard: no result after ${realTimeLimit + 30} s; the run was stopped`),
			(realTimeLimit + 30) * 1000,
		);
		worker.on("message", (msg) => {
			if (msg.type === "output") {
				if (onOutput) onOutput(msg.kind, msg.message);
				else if (msg.kind !== "print" || verbose) {
					const line = msg.kind === "print" ? msg.message : `${msg.kind.toUpperCase()} ${msg.message}`;
					(msg.kind === "error" ? process.stderr : process.stdout).write(line + "\n");
				}
			} else if (msg.type === "result") {
				finish(JSON.parse(msg.json));
			} else if (msg.type === "fatal") {
				fatal(msg.message);
			}
		});
		worker.on("error", (error) => fatal(String(error?.stack ?? error)));
		worker.on("exit", (code) => fatal(`the headless runtime exited (code ${code}) before reporting`));
	});
}
