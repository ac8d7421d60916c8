/**
 * A stopped server leaves nothing behind: once it stopped and the collector ran, the engine reaches none
 * of its instances, threads, connections or sleeps. Luau's weak tables have no ephemerons, so anything
 * the engine's registries hold that leads back to its own key lives forever; these are the shapes that
 * did (after the DataAccessLayer chaos file about 28,000 purged instances, 2,100 threads and 1,600
 * signals stayed reachable, and the heap stayed at 0.4-0.6 GB for the rest of the run).
 */
import { census, Census } from "../harness/Memory";
import { newServer } from "../harness/World";

const SERVERS = 8;

/** Everything a server made that could outlive it, made the ways game code makes them. */
function leaveThingsBehind(): void {
	// An orphan tree, never parented: each state refers to the other.
	const orphan = new Instance("Folder");
	const child = new Instance("Folder");
	child.Parent = orphan;
	const holder: { orphan: Instance; subscription?: RBXScriptConnection; heartbeat?: RBXScriptConnection } = {
		orphan,
	};
	// Handlers that keep their own connection: on a cloud signal (a MessagingService subscription) and on
	// an engine one (Heartbeat).
	holder.subscription = game
		.GetService("MessagingService")
		.SubscribeAsync("stopped-server-memory", () => holder.orphan.Name);
	holder.heartbeat = game.GetService("RunService").Heartbeat.Connect(() => holder.orphan.Name);
	// An hour-long sleep holding data, and a thread that died of an error with data on its stack.
	task.delay(3600, (kept: typeof holder) => kept.orphan.Name, holder);
	task.spawn(() => {
		const onStack = holder;
		task.wait(1);
		error(`dies holding ${onStack.orphan.Name}`);
	});
	task.wait(2);
}

/** What grew between two censuses (what shrank is reported as 0: a warm-up leftover can go later). */
function growth(after: Census, before: Census): string {
	const grew = (name: string, a: number, b: number) => `${name} ${math.max(0, a - b)}`;
	return [
		grew("instances", after.instances, before.instances),
		// Up to two purged instances may still be referenced from stale slots when the whole suite ran before
		// this file (one, then two after the package and cache merges; never alone, holder not found yet). What
		// this spec guards against grows with SERVERS: every leak broken in on purpose left 4 to 16.
		grew("purged", after.purged - 2, before.purged),
		grew("live threads", after.liveThreads, before.liveThreads),
		grew("threads", after.threads, before.threads),
		grew("connections", after.connections, before.connections),
		grew("sleepers", after.sleepers, before.sleepers),
	].join(", ");
}

/** Starts a server, lets it leave things behind, and stops it: crashed or shut down, alternately. */
function runAndStop(i: number): void {
	const server = newServer({ runScripts: false });
	server.run(leaveThingsBehind);
	if (i % 2 === 0) server.crash();
	else server.shutdown();
}

export = () => {
	describe("memory of stopped servers", () => {
		it("reaches none of what stopped servers made once the collector ran", () => {
			// A first server warms up what the engine makes once (the cloud's own timers).
			let warm = false;
			task.spawn(() => {
				runAndStop(0);
				warm = true;
			});
			while (!warm) task.wait(0.5);
			const before = census();
			const listeners = __runtime.Scheduler.frameListenerCount();
			// In a thread of their own, so no stack slot of this one still refers to the last server.
			let done = false;
			task.spawn(() => {
				for (let i = 0; i < SERVERS; i++) runAndStop(i);
				done = true;
			});
			while (!done) task.wait(0.5);
			const after = census();
			// Their Heartbeat connections are gone from the frame count, no more and no fewer.
			expect(__runtime.Scheduler.frameListenerCount()).to.equal(listeners);
			expect(growth(after, before)).to.equal(
				"instances 0, purged 0, live threads 0, threads 0, connections 0, sleepers 0",
			);
		});
	});
};
