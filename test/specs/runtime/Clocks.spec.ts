import { newServer, now, realtime } from "../harness/World";

const HOUR = 3600;

export = () => {
	describe("virtual clocks", () => {
		it("task.wait(3600) passes an hour of virtual time", () => {
			__runtime.TestRunner.setTimeLimit(2 * HOUR);
			const started = now();
			const real0 = realtime();
			const elapsed = task.wait(HOUR);
			print(`[measure] task.wait(3600) took ${string.format("%.4f", realtime() - real0)} s of real time`);
			expect(now() - started).to.be.near(HOUR, 1 / 60);
			expect(elapsed).to.be.near(HOUR, 1 / 60);
		});

		it("os.clock, time, tick, os.time, DateTime.now and GetServerTimeNow all advance with virtual time", () => {
			__runtime.TestRunner.setTimeLimit(2 * HOUR);
			const before = {
				clock: os.clock(),
				time: time(),
				tick: tick(),
				osTime: os.time(),
				millis: DateTime.now().UnixTimestampMillis,
				server: game.Workspace.GetServerTimeNow(),
			};
			task.wait(HOUR);
			expect(os.clock() - before.clock).to.be.near(HOUR, 1 / 60);
			expect(time() - before.time).to.be.near(HOUR, 1 / 60);
			expect(tick() - before.tick).to.be.near(HOUR, 1 / 60);
			expect(os.time() - before.osTime).to.be.near(HOUR, 1);
			expect(DateTime.now().UnixTimestampMillis - before.millis).to.be.near(HOUR * 1000, 17);
			expect(game.Workspace.GetServerTimeNow() - before.server).to.be.near(HOUR, 1 / 60);
		});

		it("os.time is a whole number of Unix seconds and agrees with tick and DateTime.now", () => {
			const t = os.time();
			expect(t % 1).to.equal(0);
			expect(t > 1700000000).to.equal(true);
			expect(tick() - t >= 0 && tick() - t < 1).to.equal(true);
			expect(DateTime.now().UnixTimestamp).to.equal(t);
		});

		it("time() counts from the start of the server that reads it", () => {
			task.wait(10);
			const server = newServer({ runScripts: false });
			const fresh = server.run(() => time());
			expect(fresh).to.be.near(0, 1e-9);
			task.wait(2);
			expect(server.run(() => time())).to.be.near(2, 1 / 60);
			server.crash();
		});

		it("a server with a clock skew reads os.time and GetServerTimeNow that far from true time", () => {
			const skewed = newServer({ clockSkew: 90, runScripts: false });
			const theirs = skewed.run(() => skewed.game.Workspace.GetServerTimeNow());
			const ours = game.Workspace.GetServerTimeNow();
			expect(theirs - ours).to.be.near(90, 1e-6);
			expect(skewed.run(() => os.time()) - os.time()).to.equal(90);
			skewed.crash();
		});

		it("os.time with a date table reads it as UTC", () => {
			expect(os.time({ year: 2026, month: 1, day: 1, hour: 0, min: 0, sec: 0 })).to.equal(1767225600);
			expect(os.time({ year: 2026, month: 1, day: 1, hour: 1, min: 1, sec: 1 })).to.equal(1767225600 + 3661);
		});

		it("os.date formats the virtual time", () => {
			const t = os.time();
			expect(os.date("!%Y-%m-%dT%H:%M:%S")).to.equal(os.date("!%Y-%m-%dT%H:%M:%S", t));
			const parts = os.date("!*t", 0);
			expect(parts.year).to.equal(1970);
		});

		it("DateTime converts between Unix time, ISO 8601 and universal time", () => {
			const dt = DateTime.fromUnixTimestamp(1767225600 + 3661);
			expect(dt.ToIsoDate()).to.equal("2026-01-01T01:01:01Z");
			const u = dt.ToUniversalTime();
			expect(u.Year).to.equal(2026);
			expect(u.Hour).to.equal(1);
			expect(u.Minute).to.equal(1);
			expect(u.Second).to.equal(1);
			const back = DateTime.fromIsoDate("2026-01-01T01:01:01Z");
			expect(back!.UnixTimestampMillis).to.equal(dt.UnixTimestampMillis);
			expect(DateTime.fromUniversalTime(2026, 1, 1, 1, 1, 1, 250).UnixTimestampMillis).to.equal(
				(1767225600 + 3661) * 1000 + 250,
			);
			expect(typeOf(dt)).to.equal("DateTime");
		});

		it("DateTime:ToIsoDate keeps milliseconds so fromIsoDate gives back the same moment", () => {
			const dt = DateTime.fromUnixTimestampMillis(1767225600123);
			expect(dt.ToIsoDate()).to.equal("2026-01-01T00:00:00.123Z");
			expect(DateTime.fromIsoDate(dt.ToIsoDate())!.UnixTimestampMillis).to.equal(1767225600123);
			expect(DateTime.fromIsoDate("2026-01-01T02:00:00+02:00")!.UnixTimestamp).to.equal(1767225600);
		});

		it("DateTime.fromIsoDate returns nil for strings it cannot parse", () => {
			expect(DateTime.fromIsoDate("yesterday")).to.equal(undefined);
			expect(DateTime.fromIsoDate("2026-02-30T00:00:00Z")).to.equal(undefined);
			expect(DateTime.fromIsoDate("2026-01-01 00:00:00")).to.equal(undefined);
		});

		it("DateTime.fromUniversalTime rejects impossible dates and rolls time units over", () => {
			expect(() => DateTime.fromUniversalTime(2025, 2, 29)).to.throw("not a valid date");
			expect(DateTime.fromUniversalTime(2024, 2, 29).ToIsoDate()).to.equal("2024-02-29T00:00:00Z");
			expect(DateTime.fromUniversalTime(2026, 1, 1, 0, 90).ToIsoDate()).to.equal("2026-01-01T01:30:00Z");
			expect(DateTime.fromUniversalTime(2026, 1, 1, 0, 0, -10).ToIsoDate()).to.equal("2025-12-31T23:59:50Z");
			expect(DateTime.fromUniversalTime(1400, 1, 1).UnixTimestamp).to.equal(-17987443200);
		});

		it("DateTime:FormatUniversalTime replaces the documented tokens", () => {
			const dt = DateTime.fromUniversalTime(1986, 9, 4, 20, 30, 25, 7);
			expect(dt.FormatUniversalTime("YYYY-MM-DD HH:mm:ss.SSS", "en-us")).to.equal("1986-09-04 20:30:25.007");
			expect(dt.FormatUniversalTime("LL", "en-us")).to.equal("September 4, 1986");
			expect(dt.FormatUniversalTime("LTS", "en-us")).to.equal("8:30:25 PM");
			expect(dt.FormatUniversalTime("llll", "en-us")).to.equal("Thu, Sep 4, 1986 8:30 PM");
			expect(dt.FormatUniversalTime("L [at] h a, DDDD", "en-us")).to.equal("09/04/1986 at 8 pm, 247");
		});
	});
};
