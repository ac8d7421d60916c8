import { Bench } from "./harness/Bench";

/** Baselines of the runtime itself: a plain table write and a virtual-time wait, per call. */
export = (bench: Bench) => {
	const t = new Map<number, number>();
	let i = 0;
	const write = bench.time(() => {
		i = (i + 1) % 1000;
		t.set(i, i);
	});
	bench.record("Map.set on a 1,000-entry map", write * 1e9, "ns/op");
	const spawnDefer = bench.time(() => {
		task.defer(() => {});
	});
	bench.record("task.defer", spawnDefer * 1e9, "ns/op");
};
