/* The session report's page script (runs in the browser; inlined by render.mjs after Chart.js). It reads
   the session's result from the JSON block #session-data and draws every chart with Chart.js. Animation
   is off, so each chart is drawn when it is created and the browser check sees finished canvases. When
   all are drawn, <body data-ready="true">; report-check.mjs waits for that. */
(function () {
	"use strict";
	const data = JSON.parse(document.getElementById("session-data").textContent);
	const start = data.timeline.start;
	const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"];
	const color = (i) => COLORS[i % COLORS.length];
	const list = (v) => (Array.isArray(v) ? v : []);
	const entries = (v) => (v && typeof v === "object" ? Object.entries(v) : []);
	Chart.defaults.animation = false;
	Chart.defaults.responsive = true;
	Chart.defaults.maintainAspectRatio = false;
	Chart.defaults.font.size = 12;

	const section = (title, note) => {
		const wrap = document.createElement("section");
		const h = document.createElement("h2");
		h.textContent = title;
		wrap.appendChild(h);
		if (note) {
			const p = document.createElement("p");
			p.className = "note";
			p.textContent = note;
			wrap.appendChild(p);
		}
		document.getElementById("charts").appendChild(wrap);
		return wrap;
	};
	const chart = (parent, id, config) => {
		const box = document.createElement("div");
		box.className = "chart";
		const canvas = document.createElement("canvas");
		canvas.id = id;
		box.appendChild(canvas);
		parent.appendChild(box);
		return new Chart(canvas, config);
	};
	const seconds = (t) => Math.round((t - start) * 10) / 10;
	const timeAxis = { type: "linear", title: { display: true, text: "seconds since the session started" } };
	const line = (label, points, i, extra) =>
		Object.assign(
			{ label, data: points, borderColor: color(i), backgroundColor: color(i), pointRadius: 2, spanGaps: false },
			extra,
		);

	// Header facts.
	const o = data.options || {};
	document.getElementById("facts").textContent =
		`${o.servers} servers, ${o.players} players, ${o.minutes} min, seed ${o.seed}, DataStore error rate ${o.errorRate}; ` +
		(data.timeline.crashAt ? `server 1 crashed at ${seconds(data.timeline.crashAt)} s; ` : "") +
		`an 8 s DataStore outage from ${seconds(data.timeline.outage[0])} s. ` +
		`Verdict: ${data.ok ? "every invariant held" : "AN INVARIANT BROKE"}.`;

	// 1. Requests against the budget, one chart per server.
	const requests = section(
		"DataStore requests per minute against the budget, per server",
		"Requests the service's DataAccessLayer sent (inboxes, trades, gifts, offers, backups), per minute, by request type; " +
			"the server's budget per minute (60 + 10 per player, Roblox's server limit); and the lowest budget " +
			"GetRequestBudgetForRequestType reported in each interval (ProfileService's own saves spend it too).",
	);
	for (const m of list(data.metrics)) {
		const samples = list(m.report.samples);
		const types = new Set();
		for (const s of samples) for (const [t] of entries(s.requests)) types.add(t);
		const datasets = [];
		let i = 0;
		for (const t of [...types].sort()) {
			datasets.push(
				line(
					`${t} requests/min`,
					samples.map((s) => ({ x: seconds(s.time), y: ((s.requests[t] || 0) * 60) / s.seconds })),
					i++,
				),
			);
		}
		datasets.push(
			line(
				"budget per minute (GetAsync, SetIncrementAsync)",
				samples.map((s) => ({ x: seconds(s.time), y: s.budgetPerMinute.GetAsync })),
				i++,
				{ borderDash: [6, 4] },
			),
		);
		for (const t of ["GetAsync", "SetIncrementAsync"]) {
			datasets.push(
				line(
					`lowest ${t} budget left`,
					samples.map((s) => ({ x: seconds(s.time), y: s.budgetLow[t] })),
					i++,
					{ borderDash: [2, 3] },
				),
			);
		}
		chart(requests, `requests-server-${m.server}`, {
			type: "line",
			data: { datasets },
			options: {
				plugins: {
					title: {
						display: true,
						text: `Server ${m.server}${m.crashed ? " (crashed: samples up to the crash)" : ""}`,
					},
				},
				scales: {
					x: timeAxis,
					y: { title: { display: true, text: "requests per minute" }, beginAtZero: true },
				},
			},
		});
	}

	// 2. Health score.
	const health = section(
		"Health score",
		"GetHealthStatus().score at the end of each interval and the lowest seen in it; HealthChanged fired " +
			`${list(data.alerts).length} time(s)` +
			(list(data.alerts).length > 0
				? ": " +
					list(data.alerts)
						.map((a) => `server ${a.server} at ${seconds(a.time)} s ${a.previous} -> ${a.status}`)
						.join("; ")
				: "."),
	);
	const healthSets = [];
	for (const m of list(data.metrics)) {
		const samples = list(m.report.samples);
		healthSets.push(
			line(
				`server ${m.server} score`,
				samples.map((s) => ({ x: seconds(s.time), y: s.score })),
				m.server - 1,
			),
		);
		healthSets.push(
			line(
				`server ${m.server} lowest in interval`,
				samples.map((s) => ({ x: seconds(s.time), y: s.lowestScore })),
				m.server - 1,
				{ borderDash: [4, 4], pointRadius: 0 },
			),
		);
	}
	chart(health, "health-score", {
		type: "line",
		data: { datasets: healthSets },
		options: { scales: { x: timeAxis, y: { min: 0, max: 100, title: { display: true, text: "score" } } } },
	});

	// 3. Handoff latency distribution.
	const BUCKETS = [0.5, 1, 2, 5, 10, 20, 40];
	const bucketLabels = BUCKETS.map((b, i) => `${i === 0 ? 0 : BUCKETS[i - 1]}-${b} s`).concat([
		`over ${BUCKETS[BUCKETS.length - 1]} s`,
	]);
	const kinds = [...new Set(list(data.handoffs).map((h) => h.kind))];
	const handoffSets = kinds.map((kind, i) => {
		const counts = bucketLabels.map(() => 0);
		for (const h of list(data.handoffs)) {
			if (h.kind !== kind) continue;
			let b = BUCKETS.findIndex((bound) => h.seconds <= bound);
			if (b < 0) b = BUCKETS.length;
			counts[b] += 1;
		}
		return { label: kind, data: counts, backgroundColor: color(i) };
	});
	const sorted = list(data.handoffs)
		.filter((h) => h.kind !== "first join")
		.map((h) => h.seconds)
		.sort((a, b) => a - b);
	const q = (p) =>
		sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)].toFixed(2) : "-";
	const handoff = section(
		"Join and handoff latency",
		"From a player entering a server until DataService.LoadPlayerData resolved there, as the session measures it: " +
			"a first join, a teleport (the old server saves and releases the profile first), or a rejoin after the crash " +
			`(the dead holder's session is taken over). Handoffs: ${sorted.length}, median ${q(0.5)} s, p95 ${q(0.95)} s, max ${sorted.length ? sorted[sorted.length - 1].toFixed(2) : "-"} s.`,
	);
	chart(handoff, "handoff-latency", {
		type: "bar",
		data: { labels: bucketLabels, datasets: handoffSets },
		options: {
			scales: {
				x: { stacked: true, title: { display: true, text: "latency" } },
				y: { stacked: true, beginAtZero: true, title: { display: true, text: "joins" } },
			},
		},
	});

	// 4. Operation latency: the service's histograms of every server, added up by the session (Session.ts).
	const merged = list(data.latency);
	const ops = merged.map((m) => m.name);
	const latency = section(
		"Operation latency (GetMetrics().latency, all servers)",
		"Upper bound of the histogram bucket holding each percentile: " +
			merged.map((m) => `${m.name} ${m.count} ops`).join(", ") +
			".",
	);
	chart(latency, "operation-latency", {
		type: "bar",
		data: {
			labels: ops,
			datasets: [
				{ label: "p50 (s)", data: merged.map((m) => m.p50), backgroundColor: color(0) },
				{ label: "p95 (s)", data: merged.map((m) => m.p95), backgroundColor: color(4) },
				{ label: "max (s)", data: merged.map((m) => m.max), backgroundColor: color(1) },
			],
		},
		options: { scales: { y: { type: "logarithmic", title: { display: true, text: "seconds" } } } },
	});

	// 5. Backup recovery point.
	const backups = section(
		"Backup recovery point",
		"BackupManager's recovery point at the end of each interval: the age of the oldest newest-backup among the " +
			"players it tracks (automatic backups every 60 s in this session). A gap: no player was tracked.",
	);
	chart(backups, "recovery-point", {
		type: "line",
		data: {
			datasets: list(data.metrics).map((m) =>
				line(
					`server ${m.server}`,
					list(m.report.samples).map((s) => ({
						x: seconds(s.time),
						y: s.recoveryPoint === undefined ? null : s.recoveryPoint,
					})),
					m.server - 1,
				),
			),
		},
		options: { scales: { x: timeAxis, y: { beginAtZero: true, title: { display: true, text: "seconds" } } } },
	});

	// 6. Queue depth and cache hit ratio.
	const queue = section(
		"DataStore queue depth and cache hit ratio",
		"Peak requests waiting or running in each interval; cache hits / reads.",
	);
	const queueSets = [];
	for (const m of list(data.metrics)) {
		const samples = list(m.report.samples);
		queueSets.push(
			line(
				`server ${m.server} queue depth`,
				samples.map((s) => ({ x: seconds(s.time), y: s.queueDepth })),
				m.server - 1,
				{ yAxisID: "y" },
			),
		);
		queueSets.push(
			line(
				`server ${m.server} cache hit ratio`,
				samples.map((s) => ({ x: seconds(s.time), y: s.cacheHitRatio === undefined ? null : s.cacheHitRatio })),
				m.server - 1,
				{ yAxisID: "ratio", borderDash: [4, 4] },
			),
		);
	}
	chart(queue, "queue-cache", {
		type: "line",
		data: { datasets: queueSets },
		options: {
			scales: {
				x: timeAxis,
				y: { beginAtZero: true, title: { display: true, text: "requests" } },
				ratio: {
					position: "right",
					min: 0,
					max: 1,
					title: { display: true, text: "hit ratio" },
					grid: { drawOnChartArea: false },
				},
			},
		},
	});

	// 7. Invariant verdicts.
	const verdicts = section(
		"Invariant verdicts",
		"Judged from what the emulated cloud holds after every server closed.",
	);
	const checks = list(data.checks);
	chart(verdicts, "invariants", {
		type: "bar",
		data: {
			labels: checks.map((c) => c.name),
			datasets: [
				{
					label: "PASS (green) / FAIL (red)",
					data: checks.map(() => 1),
					backgroundColor: checks.map((c) => (c.ok ? "#16a34a" : "#dc2626")),
				},
			],
		},
		options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { display: false, max: 1 } } },
	});
	const table = document.createElement("table");
	for (const c of checks) {
		const row = table.insertRow();
		row.insertCell().textContent = c.ok ? "PASS" : "FAIL";
		row.cells[0].className = c.ok ? "pass" : "fail";
		row.insertCell().textContent = c.name;
		row.insertCell().textContent = c.detail;
	}
	verdicts.appendChild(table);

	document.body.dataset.ready = "true";
})();
