/**
 * Renders the simulated session's result (test/sim/Session.ts) as one self-contained HTML file: the
 * data as a JSON block, Chart.js (the npm package, pinned in package.json) and the page script inlined,
 * so the file opens offline and from any folder.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** A script's text made safe inside <script>: no "</script" can end the element early. */
function inlineScript(source) {
	return source.replace(/<\/(script)/gi, "<\\/$1");
}

/**
 * @param {object} result - what Session.ts returns, plus `options` (the session's command-line options).
 * @returns {string} the HTML document.
 */
export function renderReport(result) {
	// The UMD build (defines window.Chart); the package's exports map does not name it, so find it beside main.
	const chartJs = fs.readFileSync(path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
	const page = fs.readFileSync(path.join(here, "page.js"), "utf8");
	// JSON inside a script element: escape "<" so no "</script>" or "<!--" can appear in it.
	const json = JSON.stringify(result).replace(/</g, "\\u003c");
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>roblox-data-service session report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #111827; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin: 28px 0 4px; }
.note { color: #4b5563; font-size: 13px; margin: 0 0 8px; }
.chart { position: relative; height: 300px; margin-bottom: 16px; }
table { border-collapse: collapse; font-size: 13px; margin-top: 8px; }
td { border: 1px solid #d1d5db; padding: 4px 8px; }
.pass { color: #15803d; font-weight: 600; }
.fail { color: #b91c1c; font-weight: 600; }
</style>
</head>
<body>
<h1>roblox-data-service: simulated session</h1>
<p id="facts" class="note"></p>
<div id="charts"></div>
<script type="application/json" id="session-data">${json}</script>
<script>${inlineScript(chartJs)}</script>
<script>${inlineScript(page)}</script>
</body>
</html>
`;
}
