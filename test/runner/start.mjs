#!/usr/bin/env node
/**
 * npm start: the simulated game session on the headless runtime (test/sim/Session.ts). Several servers
 * run DataService; players join, earn, buy, trade, gift, teleport and leave over virtual time, with
 * injected DataStore errors, a server crash and a short outage. Ends with the invariant verdict, each
 * server's GetHealthStatus() and GetStatistics(); exits non-zero when an invariant broke.
 *
 *   npm start -- --servers 3 --players 18 --minutes 4 --seed 1 --error-rate 0.03 [--no-build] [--report FILE.html]
 *
 * --report writes one self-contained HTML file with charts of every server's metrics (test/report/).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildProject } from "./build.mjs";
import { runSession } from "./session.mjs";
import { renderReport } from "../report/render.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const number = (name, fallback) => {
	const at = args.indexOf(`--${name}`);
	if (at < 0) return fallback;
	const value = Number(args[at + 1]);
	if (!Number.isFinite(value) || value < 0) {
		console.error(`--${name} needs a non-negative number, got ${args[at + 1]}`);
		process.exit(2);
	}
	return value;
};
const reportAt = args.indexOf("--report");
const reportFile = reportAt >= 0 ? args[reportAt + 1] : undefined;
if (reportAt >= 0 && (reportFile === undefined || reportFile.startsWith("--"))) {
	console.error("--report needs a file name, e.g. --report session.html");
	process.exit(2);
}
const sim = {
	servers: number("servers", 3),
	players: number("players", 18),
	minutes: number("minutes", 4),
	seed: number("seed", 1),
	errorRate: number("error-rate", 0.03),
};

if (!args.includes("--no-build")) buildProject(root, "tsconfig.test.json", "test.project.json");
const result = await runSession(root, {
	project: "test.project.json",
	command: "start",
	seed: sim.seed,
	verbose: true,
	realTimeLimit: 600,
	options: { sim },
	onOutput: (kind, message) => {
		if (kind === "print") console.log(message);
		else if (kind === "error") console.error(`ERROR ${message}`);
		// Warnings (ProfileService's DataStore retries under injected faults) would drown the progress.
	},
});

for (const f of result.failures ?? []) console.error(`FAIL ${f.name}\n${f.message}`);
const report = result.report;
if (!report) process.exit(1);

const table = (title, rows) => {
	console.log(`\n${title}`);
	const width = Math.max(...rows.map(([k]) => String(k).length));
	for (const [k, v] of rows) console.log(`  ${String(k).padEnd(width)}  ${v}`);
};
table(
	"Invariants",
	report.checks.map((c) => [`${c.ok ? "PASS" : "FAIL"} ${c.name}`, c.detail]),
);
table("Activity", Object.entries(report.activity));
(report.health ?? []).forEach((h, i) => {
	table(`GetHealthStatus() of live server ${i + 1}`, [
		["status", h.status],
		["score", h.score],
		["issues", (h.issues ?? []).join("; ") || "none"],
		["recommendations", (h.recommendations ?? []).join("; ") || "none"],
	]);
});
(report.stats ?? []).forEach((s, i) => {
	const rows = [];
	for (const [module, metrics] of Object.entries(s)) {
		for (const [name, value] of Object.entries(metrics)) {
			rows.push([`${module}.${name}`, typeof value === "number" ? +value.toFixed(3) : value]);
		}
	}
	table(`GetStatistics() of live server ${i + 1}`, rows);
});
if (reportFile !== undefined) {
	const file = path.resolve(reportFile);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, renderReport({ ...report, options: sim }));
	console.log(`\nreport: ${file} (${Math.round(fs.statSync(file).size / 1024)} KiB, opens offline)`);
}
console.log(`\nverdict: ${report.ok ? "every invariant held" : "AN INVARIANT BROKE"}`);
process.exitCode = report.ok && (result.failures ?? []).length === 0 ? 0 : 1;
