/** Compiles TypeScript to Luau with rbxtsc; throws (after printing rbxtsc's diagnostics) on failure. */
import { spawnSync } from "node:child_process";
import path from "node:path";

export function buildProject(root, tsconfig, project) {
	const rbxtsc = path.join(root, "node_modules", "roblox-ts", "out", "CLI", "cli.js");
	const result = spawnSync(process.execPath, [rbxtsc, "build", "-p", tsconfig, "--rojo", project], {
		cwd: root,
		encoding: "utf8",
	});
	if (result.status !== 0) {
		process.stdout.write(result.stdout ?? "");
		process.stderr.write(result.stderr ?? "");
		throw new Error(`rbxtsc failed for ${tsconfig}`);
	}
}
