/** Compiles TypeScript to Luau with rbxtsc; throws (after printing rbxtsc's diagnostics) on failure. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Newest modification time (ms) of the files under `dir` whose name matches `pattern`, or 0. */
function newestFile(dir, pattern) {
	let newest = 0;
	if (!fs.existsSync(dir)) return newest;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
		const abs = path.join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestFile(abs, pattern));
		else if (pattern.test(entry.name)) newest = Math.max(newest, fs.statSync(abs).mtimeMs);
	}
	return newest;
}

/**
 * rbxtsc's incremental build does not re-emit the files that use an ambient declaration (a global in a
 * .d.ts) when only the declaration changed, so their Luau goes stale. Dropping the build info when a
 * declaration under the project's `include` folders is newer forces a full build in that case.
 */
function dropStaleBuildInfo(root, tsconfig) {
	let config;
	try {
		config = JSON.parse(fs.readFileSync(path.join(root, tsconfig), "utf8"));
	} catch {
		return; // tsconfig with comments: leave the incremental build as it is
	}
	const buildInfo = config.compilerOptions?.tsBuildInfoFile;
	if (!buildInfo) return;
	const buildInfoPath = path.join(root, buildInfo);
	if (!fs.existsSync(buildInfoPath)) return;
	const built = fs.statSync(buildInfoPath).mtimeMs;
	const newest = Math.max(0, ...(config.include ?? []).map((dir) => newestFile(path.join(root, dir), /\.d\.ts$/)));
	if (newest > built) fs.rmSync(buildInfoPath);
}

/**
 * With --no-build the last build runs as it is: says so on stderr when a source under the project's
 * `include` folders is newer than that build (or there is none), since its figures are then of older code.
 */
export function warnIfStale(root, tsconfig) {
	let config;
	try {
		config = JSON.parse(fs.readFileSync(path.join(root, tsconfig), "utf8"));
	} catch {
		return;
	}
	const buildInfo = config.compilerOptions?.tsBuildInfoFile;
	if (!buildInfo) return;
	const buildInfoPath = path.join(root, buildInfo);
	const built = fs.existsSync(buildInfoPath) ? fs.statSync(buildInfoPath).mtimeMs : 0;
	const newest = Math.max(0, ...(config.include ?? []).map((dir) => newestFile(path.join(root, dir), /\.tsx?$/)));
	if (newest > built) {
		console.error(
			`warning: --no-build runs a build older than the sources (${buildInfo}): its figures are of older code`,
		);
	}
}

// The package's own name is scoped (@rbxts/...), which makes rbxtsc compile it as a package; the spec tree
// is a game (a DataModel with services), so say so.
export function buildProject(root, tsconfig, project) {
	dropStaleBuildInfo(root, tsconfig);
	const rbxtsc = path.join(root, "node_modules", "roblox-ts", "out", "CLI", "cli.js");
	const result = spawnSync(process.execPath, [rbxtsc, "build", "-p", tsconfig, "--rojo", project, "--type", "game"], {
		cwd: root,
		encoding: "utf8",
	});
	if (result.status !== 0) {
		process.stdout.write(result.stdout ?? "");
		process.stderr.write(result.stderr ?? "");
		throw new Error(`rbxtsc failed for ${tsconfig}`);
	}
}
