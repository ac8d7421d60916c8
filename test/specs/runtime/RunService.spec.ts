import { newServer, now, realtime } from "../harness/World";

const FRAME = 1 / 60;

export = () => {
	describe("RunService", () => {
		it("fires Stepped, PreSimulation, PostSimulation and Heartbeat once each per 1/60 s frame, in that order", () => {
			const server = newServer({ runScripts: false });
			const runService = server.game.GetService("RunService");
			const log = new Array<string>();
			const stamps = new Array<number>();
			const connections = [
				runService.Stepped.Connect(() => log.push("Stepped")),
				runService.PreSimulation.Connect(() => log.push("PreSimulation")),
				runService.PostSimulation.Connect(() => log.push("PostSimulation")),
				runService.Heartbeat.Connect(() => {
					log.push("Heartbeat");
					stamps.push(now());
				}),
			];
			task.wait(0.5);
			for (const c of connections) c.Disconnect();
			server.crash();
			// The test thread runs mid-frame (it wakes between the pre- and post-physics events), so the log
			// starts with the end of a frame: compare whole frames from the first Stepped on.
			const first = log.indexOf("Stepped");
			const frames = math.floor((log.size() - first) / 4);
			expect(first >= 0 && first <= 2).to.equal(true);
			expect(frames >= 28 && frames <= 31).to.equal(true);
			const order = ["Stepped", "PreSimulation", "PostSimulation", "Heartbeat"];
			for (let i = 0; i < frames * 4; i++) {
				expect(log[first + i]).to.equal(order[i % 4]);
			}
			for (let i = 1; i < stamps.size(); i++) {
				expect(stamps[i] - stamps[i - 1]).to.be.near(FRAME, 1e-9);
			}
		});

		it("passes Stepped the run time and the frame's delta, and Heartbeat the delta", () => {
			const server = newServer({ runScripts: false });
			const runService = server.game.GetService("RunService");
			let steppedTime = -1;
			let steppedDelta = -1;
			let heartbeatDelta = -1;
			const a = runService.Stepped.Connect((t, dt) => {
				steppedTime = t;
				steppedDelta = dt;
			});
			const b = runService.Heartbeat.Connect((dt) => {
				heartbeatDelta = dt;
			});
			task.wait(0.1);
			a.Disconnect();
			b.Disconnect();
			server.crash();
			expect(steppedDelta).to.be.near(FRAME, 1e-9);
			expect(heartbeatDelta).to.be.near(FRAME, 1e-9);
			expect(steppedTime).to.be.near(now(), 2 * FRAME);
		});

		it("reports IsServer, not IsClient, not IsStudio, and IsRunning on a server", () => {
			const runService = game.GetService("RunService");
			expect(runService.IsServer()).to.equal(true);
			expect(runService.IsClient()).to.equal(false);
			expect(runService.IsStudio()).to.equal(false);
			expect(runService.IsRunning()).to.equal(true);
		});

		it("fast-forwards idle time: a day of task.wait without frame listeners steps no frame-by-frame work", () => {
			const day = 86400;
			__runtime.TestRunner.setTimeLimit(2 * day);
			const real0 = realtime();
			const started = now();
			const stepsBefore = __runtime.Scheduler.steps();
			task.wait(day);
			expect(__runtime.Scheduler.steps() - stepsBefore < 10).to.equal(true);
			print(`[measure] an idle day of virtual time took ${string.format("%.4f", realtime() - real0)} s`);
			expect(now() - started).to.be.near(day, FRAME);
		});

		it("steps every frame while a frame signal is connected, and fast-forwards again once it is gone", () => {
			const server = newServer({ runScripts: false });
			const runService = server.game.GetService("RunService");
			let beats = 0;
			const connection = runService.Heartbeat.Connect(() => {
				beats += 1;
			});
			task.wait(2);
			connection.Disconnect();
			expect(beats >= 119 && beats <= 121).to.equal(true);
			expect(__runtime.Scheduler.frameListenerCount()).to.equal(0);
			const stepsBefore = __runtime.Scheduler.steps();
			const frameBefore = __runtime.Scheduler.frame();
			task.wait(1000);
			// 1000 s is 60,000 frames of virtual time; idle fast-forward runs only the frames where a thread wakes.
			expect(__runtime.Scheduler.frame() - frameBefore >= 60000).to.equal(true);
			expect(__runtime.Scheduler.steps() - stepsBefore < 10).to.equal(true);
			expect(beats >= 119 && beats <= 121).to.equal(true);
			server.crash();
		});
	});
};
