#!/usr/bin/env node
/**
 * Opens the session report in a real browser — Debian's chromium, driven by playwright-core (no browser
 * download: the system binary, headless, no network, a fresh profile) — and checks that every chart
 * rendered with data: each canvas holds a Chart.js chart whose every dataset has at least one point, and
 * its pixels are not blank; that the page finished (body[data-ready]); and that the console shows no
 * error and no script threw. Saves a full-page screenshot. Exits non-zero on any problem, and when
 * chromium is missing: this check never skips.
 *
 *   node test/report/check.mjs REPORT.html [--screenshot PNG] [--self-test]
 *
 * --self-test also proves the check can fail: the same report with one chart's series emptied, and with
 * a script that throws, must each be refused.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

/**
 * Checks one report file in the browser.
 * @returns {Promise<{ problems: string[], charts: { id: string, datasets: number, points: number, inked: number }[] }>}
 */
export async function checkReport(file, { screenshot } = {}) {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium)`);
	}
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-check-profile-"));
	// A fresh --user-data-dir: playwright passes the profile folder as that flag itself.
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		viewport: { width: 1200, height: 900 },
	});
	const problems = [];
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		// Nothing may leave the machine: the file is self-contained.
		await page.route(/^(?!file:)/, (route) => {
			problems.push(`the page asked for ${route.request().url()}`);
			return route.abort();
		});
		page.on("console", (message) => {
			if (message.type() === "error") problems.push(`console error: ${message.text()}`);
		});
		page.on("pageerror", (error) => problems.push(`script error: ${error.message}`));
		await page.goto(`file://${path.resolve(file)}`, { waitUntil: "load" });
		const ready = await page
			.waitForSelector("body[data-ready=true]", { timeout: 15000 })
			.then(() => true)
			.catch(() => false);
		if (!ready) problems.push("the page never finished drawing (body[data-ready] missing)");
		const charts = await page.evaluate(() => {
			return [...document.querySelectorAll("canvas")].map((canvas) => {
				const chart = window.Chart?.getChart(canvas);
				const datasets = chart ? chart.data.datasets : [];
				const pointsOf = (d) =>
					d.data.filter(
						(v) =>
							v !== null &&
							v !== undefined &&
							(typeof v === "number" ? isFinite(v) : v.y !== null && v.y !== undefined && isFinite(v.y)),
					).length;
				const ctx = canvas.getContext("2d");
				const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
				let inked = 0;
				for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) inked++;
				return {
					id: canvas.id,
					hasChart: !!chart,
					datasets: datasets.length,
					empty: datasets.filter((d) => pointsOf(d) === 0).map((d) => d.label),
					points: datasets.reduce((n, d) => n + pointsOf(d), 0),
					inked,
					area: canvas.width * canvas.height,
				};
			});
		});
		if (charts.length === 0) problems.push("no chart on the page");
		for (const c of charts) {
			if (!c.hasChart) problems.push(`${c.id}: no Chart.js chart on the canvas`);
			else if (c.datasets === 0) problems.push(`${c.id}: no data series`);
			for (const label of c.empty) problems.push(`${c.id}: series "${label}" has no data point`);
			// Axes and labels alone ink a few percent; a drawn chart more. Blank is 0.
			if (c.inked < c.area * 0.005)
				problems.push(`${c.id}: the canvas is blank (${c.inked} of ${c.area} pixels drawn)`);
		}
		if (screenshot) {
			fs.mkdirSync(path.dirname(path.resolve(screenshot)), { recursive: true });
			await page.screenshot({ path: screenshot, fullPage: true });
		}
		return { problems, charts };
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

/** The report with the session data rewritten by `edit` (for the self-test). */
function withData(html, edit) {
	return html.replace(
		/(<script type="application\/json" id="session-data">)([\s\S]*?)(<\/script>)/,
		(_, open, json, close) => {
			const data = JSON.parse(json);
			edit(data);
			return open + JSON.stringify(data).replace(/</g, "\\u003c") + close;
		},
	);
}

async function main() {
	const args = process.argv.slice(2);
	const file = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--screenshot");
	const shotAt = args.indexOf("--screenshot");
	const screenshot = shotAt >= 0 ? args[shotAt + 1] : undefined;
	if (!file || !fs.existsSync(file)) {
		console.error(
			`report-check: no report file ${file ?? "(none given)"}; run npm start -- --report FILE.html first`,
		);
		process.exit(2);
	}
	let failed = false;
	const result = await checkReport(file, { screenshot });
	for (const c of result.charts)
		console.log(`  chart ${c.id}: ${c.datasets} series, ${c.points} points, ${c.inked} pixels drawn`);
	if (result.problems.length > 0) {
		failed = true;
		for (const p of result.problems) console.error(`FAIL ${p}`);
	} else {
		console.log(`report-check: ${result.charts.length} charts rendered with data, no console error`);
	}
	if (screenshot) console.log(`screenshot: ${path.resolve(screenshot)}`);

	if (args.includes("--self-test")) {
		const html = fs.readFileSync(file, "utf8");
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-check-"));
		const broken = [
			[
				"an empty data series",
				withData(html, (data) => (data.metrics[0].report.samples = [])),
				/has no data point/,
			],
			[
				"a thrown script error",
				html.replace("</body>", "<script>throw new Error('break-check');</script>\n</body>"),
				/script error: break-check/,
			],
		];
		for (const [what, text, expected] of broken) {
			const at = path.join(dir, "broken.html");
			fs.writeFileSync(at, text);
			const { problems } = await checkReport(at);
			if (problems.some((p) => expected.test(p))) console.log(`self-test: refused a report with ${what}`);
			else {
				failed = true;
				console.error(
					`FAIL self-test: a report with ${what} passed the check (problems: ${problems.join("; ") || "none"})`,
				);
			}
		}
		fs.rmSync(dir, { recursive: true, force: true });
	}
	process.exitCode = failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	main().catch((error) => {
		console.error(`FAIL ${error.message}`);
		process.exitCode = 1;
	});
}
