#!/usr/bin/env node
/**
 * Proves the test runner itself: builds throwaway Rojo projects of plain-Luau TestEZ specs in a temp
 * folder and runs them through cli.mjs, checking exit codes and summaries. Covers a test that never
 * finishes (fails on its virtual-time limit and the run goes on), a failing test, a spec that fails to
 * load, a filter that matches nothing, the real-time guard, output held for failing tests only, each spec
 * file starting from a clean world, and seed reproducibility across runs.
 *
 *   node test/runner/selftest.mjs        exit status 0 when every check holds
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const cli = path.join(here, "cli.mjs");

const SPECS = {
	"Runner.spec.lua": `return function()
	describe("fixture", function()
		it("ok passes", function()
			expect(1 + 1).to.equal(2)
		end)
		it("never finishes", function()
			coroutine.yield() -- parked with nothing that could ever wake it
		end)
		it("sleeps past its limit", function()
			task.wait(100)
		end)
		it("ok passes after the hung tests", function()
			task.wait(1)
			expect(true).to.equal(true)
		end)
		it("fails on purpose", function()
			error("expected failure")
		end)
	end)
end
`,
	"Limits.spec.lua": `return function()
	it("limits: a test that raises its own time limit may wait past the default", function()
		__runtime.TestRunner.setTimeLimit(200)
		task.wait(100)
	end)
	it("limits: a raised limit still stops a test that waits longer", function()
		__runtime.TestRunner.setTimeLimit(50)
		task.wait(100)
	end)
	it("limits: setTimeLimit refuses a limit that is not a positive number", function()
		local ok, err = pcall(__runtime.TestRunner.setTimeLimit, 0)
		assert(not ok and string.find(err, "positive number", 1, true), "setTimeLimit(0) was accepted")
	end)
end
`,
	"Stream.spec.lua": `return function()
	it("stream prints the seeded streams", function()
		print("stream", math.random(), Random.new():NextNumber(), game:GetService("HttpService"):GenerateGUID())
	end)
end
`,
	"Leak.spec.lua": `return function()
	it("leaky leaves a Heartbeat connection", function()
		game:GetService("RunService").Heartbeat:Connect(function() end)
	end)
	it("leaky again leaves two more", function()
		game:GetService("RunService").Heartbeat:Connect(function() end)
		game:GetService("RunService").Stepped:Connect(function() end)
	end)
	it("leaky but clean leaves none", function()
		local connection = game:GetService("RunService").Heartbeat:Connect(function() end)
		connection:Disconnect()
	end)
end
`,
	"Runaway.spec.lua": `return function()
	it("runaway keeps the clock stepping forever", function()
		game:GetService("RunService").Heartbeat:Connect(function() end)
		task.wait(1e9)
	end)
end
`,
	"Noisy.spec.lua": `return function()
	it("noisy passes though it warns and a thread it spawned errors", function()
		warn("noisy warning from a passing test")
		task.spawn(function()
			error("noisy provoked error")
		end)
		print("noisy print from a passing test")
	end)
	it("noisy fails and shows what it wrote", function()
		warn("noisy warning from a failing test")
		error("noisy failure")
	end)
end
`,
	// Spec files run in path order: IsoA leaves a server and a sleeping thread, IsoB must find neither.
	"IsoA.spec.lua": `return function()
	it("isolation: the first file leaves a server and a sleeping thread", function()
		local server = __runtime.World.newServer({ runScripts = false })
		__runtime.isolationServer = server
		__runtime.isolationThread = server:spawn(function()
			task.wait(3600)
		end)
	end)
end
`,
	"IsoB.spec.lua": `return function()
	it("isolation: the second file starts with both gone", function()
		local server, thread = __runtime.isolationServer, __runtime.isolationThread
		assert(server ~= nil, "IsoA did not run first")
		assert(server.state == "stopped", "the first file's server is " .. server.state)
		assert(coroutine.status(thread) == "dead", "the first file's thread is " .. coroutine.status(thread))
		assert(#__runtime.World.servers == 1, #__runtime.World.servers .. " servers are running")
	end)
end
`,
};

const BROKEN = {
	"Broken.spec.lua": `error("broken on purpose")\nreturn function() end\n`,
	"Fine.spec.lua": `return function()\n\tit("fine passes", function() end)\nend\n`,
	"Describe.spec.lua": `return function()\n\tdescribe("bad describe", function()\n\t\terror("describe broke")\n\tend)\nend\n`,
};

function makeProject(dir, specs) {
	fs.mkdirSync(path.join(dir, "specs"), { recursive: true });
	for (const [name, source] of Object.entries(specs)) fs.writeFileSync(path.join(dir, "specs", name), source);
	const project = {
		name: "runner-selftest",
		tree: {
			$className: "DataModel",
			ServerScriptService: { $className: "ServerScriptService", Specs: { $path: "specs" } },
			ReplicatedStorage: {
				$className: "ReplicatedStorage",
				rbxts_include: {
					$className: "Folder",
					node_modules: {
						$className: "Folder",
						"@rbxts": {
							$className: "Folder",
							testez: { $path: path.join(root, "node_modules", "@rbxts", "testez") },
						},
					},
				},
			},
		},
	};
	const file = path.join(dir, "selftest.project.json");
	fs.writeFileSync(file, JSON.stringify(project, null, "\t"));
	return file;
}

function run(project, args) {
	const started = performance.now();
	const result = spawnSync(process.execPath, [cli, "--project", project, ...args], { encoding: "utf8" });
	const stdout = result.stdout ?? "";
	const lines = stdout.trim().split("\n");
	if (process.env.SELFTEST_TIMES)
		console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s: ${args.join(" ")})`);
	return { status: result.status, stdout, stderr: result.stderr ?? "", last: lines[lines.length - 1] };
}

let failures = 0;
function check(name, ok, detail) {
	console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
	if (!ok) {
		failures++;
		if (detail) console.log(detail);
	}
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-selftest-"));
const t0 = performance.now();
try {
	const main = makeProject(path.join(tmp, "main"), SPECS);
	const broken = makeProject(path.join(tmp, "broken"), BROKEN);

	const passing = run(main, ["--filter", "ok passes", "--timeout", "10"]);
	check(
		"a run whose tests all pass exits 0",
		passing.status === 0 && passing.last === "2 passed, 0 failed, 0 skipped",
		passing.stdout,
	);

	const mixed = run(main, ["--filter", "fixture", "--timeout", "10"]);
	check("a failing run exits non-zero", mixed.status === 1, mixed.stdout);
	check(
		"hung tests fail on their own and the run goes on",
		mixed.last === "2 passed, 3 failed, 0 skipped",
		mixed.stdout,
	);
	check(
		"a test parked forever fails on its virtual-time limit",
		/FAIL .*never finishes\n.*did not finish within 10 seconds of virtual time/.test(mixed.stdout),
		mixed.stdout,
	);
	check(
		"a test sleeping past its limit fails on its virtual-time limit",
		/FAIL .*sleeps past its limit\n.*did not finish within 10 seconds of virtual time/.test(mixed.stdout),
		mixed.stdout,
	);
	check(
		"a failing test reports its error",
		/FAIL .*fails on purpose\n.*expected failure/.test(mixed.stdout),
		mixed.stdout,
	);

	const limits = run(main, ["--filter", "limits:", "--timeout", "10"]);
	check(
		"setTimeLimit lets a test wait past the run's default limit, and only up to the new one",
		limits.last === "2 passed, 1 failed, 0 skipped" &&
			/FAIL .*still stops[^\n]*\n.*did not finish within 50 seconds/.test(limits.stdout),
		limits.stdout,
	);

	const none = run(main, ["--filter", "matches no test at all"]);
	check(
		"a run where no test ran exits non-zero",
		none.status === 1 && none.last === "0 passed, 0 failed, 0 skipped",
		none.stdout,
	);
	check("a run where no test ran says so", none.stdout.includes("no test ran"), none.stdout);

	const load = run(broken, []);
	check(
		"a spec that fails to load fails the run",
		load.status === 1 && load.last === "1 passed, 2 failed, 0 skipped",
		load.stdout,
	);
	check(
		"an error in a describe block fails the run and is reported",
		/FAIL .*bad describe\n[^]*describe broke/.test(load.stdout),
		load.stdout,
	);
	check(
		"the load error names the spec and its error",
		/FAIL .*Broken\.spec\n[^]*broken on purpose/.test(load.stdout),
		load.stdout,
	);

	const leaky = run(main, ["--filter", "leaky"]);
	const leakWarnings = leaky.stdout.split("\n").filter((line) => line.includes("RunService frame connection"));
	check(
		"frame connections left open are reported once per file, naming the first test that left one",
		leaky.status === 0 &&
			leakWarnings.length === 1 &&
			/WARN .*2 test\(s\) of this file left 3 RunService frame connection\(s\) open, the first "leaky leaves a Heartbeat connection"/.test(
				leakWarnings[0],
			),
		leaky.stdout,
	);

	const runaway = run(main, ["--filter", "runaway", "--timeout", "1e9", "--real-time-limit", "1"]);
	check(
		"the real-time guard stops a run that would step frames forever",
		runaway.status === 1 && /real-time guard/.test(runaway.stdout + runaway.stderr),
		runaway.stdout + runaway.stderr,
	);

	const noisy = run(main, ["--filter", "noisy"]);
	const noisyAll = noisy.stdout + noisy.stderr;
	check(
		"a passing test's warnings and its threads' errors stay off the console",
		noisy.last === "1 passed, 1 failed, 0 skipped" &&
			!noisyAll.includes("from a passing test") &&
			!noisyAll.includes("noisy provoked error"),
		noisyAll,
	);
	check(
		"a failing test shows what it wrote under its error",
		/FAIL .*noisy fails[^\n]*\n[^]*noisy failure[^]*output while it ran:\n[^]*WARN .*noisy warning from a failing test/.test(
			noisy.stdout,
		),
		noisy.stdout,
	);
	const loud = run(main, ["--filter", "noisy", "--verbose"]);
	const loudAll = loud.stdout + loud.stderr;
	check(
		"--verbose shows every test's output as it is written",
		loudAll.includes("noisy warning from a passing test") &&
			loudAll.includes("noisy provoked error") &&
			loudAll.includes("noisy print from a passing test"),
		loudAll,
	);

	const isolation = run(main, ["--filter", "isolation:"]);
	check(
		"each spec file starts with the servers and threads of earlier files stopped",
		isolation.status === 0 && isolation.last === "2 passed, 0 failed, 0 skipped",
		isolation.stdout,
	);

	const stream = (seed) => {
		const r = run(main, ["--filter", "stream", "--seed", String(seed), "--verbose"]);
		const line = r.stdout.split("\n").find((l) => /^(\[[^\]]*\] )?stream /.test(l));
		return { line, detail: r.stdout };
	};
	const a = stream(5);
	const b = stream(5);
	const c = stream(6);
	check("a spec's print reaches the console with --verbose", a.line !== undefined && c.line !== undefined, a.detail);
	check(
		"the same seed replays math.random, Random.new() and GenerateGUID across runs",
		a.line !== undefined && a.line === b.line,
		`${a.line}\n${b.line}`,
	);
	check("another seed gives other values", a.line !== c.line, `${a.line}\n${c.line}`);
} finally {
	fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(
	`\nrunner self-test: ${failures === 0 ? "all checks hold" : `${failures} check(s) failed`} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
process.exitCode = failures === 0 ? 0 : 1;
