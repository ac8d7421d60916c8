import { DataAccessLayer, DataError, Lease } from "shared/core/DataAccessLayer";
import { chaosSeeds, invariant, reseed, RETRYABLE_CODES } from "../harness/Chaos";
import { resetCloud } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { newServer, ServerHandle, stopOtherServers } from "../harness/World";

/** 20% retryable errors on every request, writes that report failure but landed, spikes, skewed clocks. */
function chaosFaults(seed: number, rng: Random) {
	configureFaults({
		seed,
		dataStore: {
			errorRate: { "*": 0.2 },
			errorCodes: RETRYABLE_CODES,
			failedButAppliedRate: 0.05,
			latency: { min: 0.02, max: 0.3, tailRate: 0.05, tailMax: 3 },
			spikes: [{ start: rng.NextNumber(0, 20), stop: rng.NextNumber(20, 30), extra: 1 }],
		},
		memoryStore: { errorRate: 0.05 },
		clockSkew: {
			1: rng.NextNumber(-1, 1),
			2: rng.NextNumber(-1, 1),
			3: rng.NextNumber(-1, 1),
			4: rng.NextNumber(-1, 1),
		},
	});
}

/** Servers with `players` players each: DataStore budgets grow with players (60 + 10 per player a minute). */
function servers(count: number, players = 10): Array<ServerHandle> {
	// Servers of earlier scenarios would otherwise pile up (and every frame visits every live server).
	stopOtherServers();
	const list = new Array<ServerHandle>();
	for (let i = 0; i < count; i++) {
		const server = newServer({ runScripts: false });
		for (let p = 1; p <= players; p++) server.addPlayer({ userId: i * 1000 + p });
		list.push(server);
	}
	return list;
}

/** Crashes one of `list` at a random moment within `window` seconds, half of the time. */
function maybeCrash(list: Array<ServerHandle>, rng: Random, window: number): ServerHandle | undefined {
	if (rng.NextNumber() < 0.5) return undefined;
	const victim = list[rng.NextInteger(0, list.size() - 1)];
	task.delay(rng.NextNumber(0, window), () => victim.crash());
	return victim;
}

type DalModule = typeof import("shared/core/DataAccessLayer");

/** A layer built from `server`'s own copy of the module, so it uses that server's services and budgets. */
function dalFor(
	server: ServerHandle,
	config: ConstructorParameters<DalModule["DataAccessLayer"]>[0] = {},
): DataAccessLayer {
	const module = server.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");
	return new module.DataAccessLayer({ warnings: false, ...config });
}

function waitFor(condition: () => boolean, limit: number) {
	const started = os.clock();
	while (!condition() && os.clock() - started < limit) task.wait(0.5);
}

function cleanRead<T>(ref: { store: string; key: string }): T | undefined {
	configureFaults({});
	const doc = new DataAccessLayer({ warnings: false }).read<T>(ref).expect();
	return doc?.data;
}

type Counter = { n: number; ids: Array<string> };
type Account = { balance: number; log: Array<string> };

function counterScenario(seed: number) {
	reseed(seed);
	resetCloud();
	const rng = new Random(seed);
	chaosFaults(seed, rng);
	const list = servers(rng.NextInteger(2, 4));
	const crashed = maybeCrash(list, rng, 15);
	const acknowledged = new Set<string>();
	const attempted = new Map<string, ServerHandle>();
	const rejections = new Map<string, DataError>();
	const finishedBy = new Set<ServerHandle>();
	let finished = 0;
	for (const server of list) {
		server.spawn(() => {
			const dal = dalFor(server);
			for (let i = 0; i < 8; i++) {
				const id = `${server.jobId}:${i}`;
				attempted.set(id, server);
				const [ok, err] = dal
					.update<Counter>({ store: "Chaos", key: "counter" }, (c) => ({
						n: (c?.n ?? 0) + 1,
						ids: [...(c?.ids ?? []), id],
					}))
					.await();
				if (ok) acknowledged.add(id);
				else rejections.set(id, err as DataError);
			}
			finished += 1;
			finishedBy.add(server);
		});
	}
	waitFor(
		() => finished + (crashed && crashed.state() === "crashed" && !finishedBy.has(crashed) ? 1 : 0) >= list.size(),
		600,
	);
	const counter = cleanRead<Counter>({ store: "Chaos", key: "counter" }) ?? { n: 0, ids: [] };
	const applied = new Set(counter.ids);
	invariant(applied.size() === counter.ids.size(), "an increment was applied twice");
	invariant(counter.n === counter.ids.size(), `value ${counter.n} but ${counter.ids.size()} increments applied`);
	for (const id of acknowledged) invariant(applied.has(id), `acknowledged increment ${id} is missing`);
	let unacknowledgedApplied = 0;
	let unknownApplied = 0;
	for (const id of counter.ids) {
		if (acknowledged.has(id)) continue;
		// A finite retry budget cannot promise "rejected means not applied": a write may land and report
		// failure, then every retry fail. The layer must then say so (OutcomeUnknown), never claim failure.
		if (rejections.get(id)?.kind === "OutcomeUnknown") {
			unknownApplied += 1;
			continue;
		}
		unacknowledgedApplied += 1;
		// Otherwise an increment applied without an ack can only be one whose server crashed with it in flight.
		const rejection = rejections.get(id);
		invariant(
			attempted.get(id) === crashed,
			`increment ${id} applied without an ack on a server that did not crash (${rejection ? tostring(rejection) : "no answer"})`,
		);
	}
	invariant(unacknowledgedApplied <= 1, `${unacknowledgedApplied} increments applied without an ack`);
	if (!crashed) {
		const told = acknowledged.size() + unknownApplied;
		invariant(
			counter.n === told,
			`value ${counter.n} but ${acknowledged.size()} acks and ${unknownApplied} unknown`,
		);
	}
}

function transferScenario(seed: number, accounts: number, transfers: number) {
	reseed(seed);
	resetCloud();
	const rng = new Random(seed);
	const setup = new DataAccessLayer({ warnings: false });
	for (let i = 1; i <= accounts; i++)
		setup.write({ store: "ChaosBank", key: `a${i}` }, { balance: 100, log: [] }).expect();
	chaosFaults(seed, rng);
	const list = servers(rng.NextInteger(2, 4), transfers > 100 ? 50 : 10);
	const crashed = maybeCrash(list, rng, 30);
	const acknowledged = new Set<string>();
	// Several workers per server, as a busy game would have (one per player trading, say).
	const workersPerServer = transfers > 100 ? 4 : 1;
	const perWorker = math.ceil(transfers / (list.size() * workersPerServer));
	let finished = 0;
	const finishedOn = new Map<ServerHandle, number>();
	for (const server of list) {
		for (let w = 0; w < workersPerServer; w++) {
			const plan = new Array<[string, string, number, string]>();
			for (let i = 0; i < perWorker; i++) {
				const from = rng.NextInteger(1, accounts);
				let to = rng.NextInteger(1, accounts - 1);
				if (to >= from) to += 1;
				plan.push([`a${from}`, `a${to}`, rng.NextInteger(1, 60), `${server.jobId}:${w}:${i}`]);
			}
			server.spawn(() => {
				const dal = dalFor(server);
				for (const [from, to, amount, id] of plan) {
					const [ok, result] = dal
						.transaction(
							[
								{ store: "ChaosBank", key: from },
								{ store: "ChaosBank", key: to },
							],
							(slots) => {
								const a = slots[0].data as Account;
								const b = slots[1].data as Account;
								if (a.balance < amount) return undefined;
								return [
									{ balance: a.balance - amount, log: [...a.log, id] },
									{ balance: b.balance + amount, log: [...b.log, id] },
								];
							},
						)
						.await();
					if (ok && (result as { committed: boolean }).committed) acknowledged.add(id);
				}
				finished += 1;
				finishedOn.set(server, (finishedOn.get(server) ?? 0) + 1);
			});
		}
	}
	// Workers of a crashed server that had not finished never will.
	const stranded = () =>
		crashed && crashed.state() === "crashed" ? workersPerServer - (finishedOn.get(crashed) ?? 0) : 0;
	waitFor(() => finished + stranded() >= list.size() * workersPerServer, 1700);
	let total = 0;
	const seen = new Map<string, number>();
	for (let i = 1; i <= accounts; i++) {
		const account = cleanRead<Account>({ store: "ChaosBank", key: `a${i}` })!;
		invariant(account.balance >= 0, `a${i} is negative: ${account.balance}`);
		total += account.balance;
		for (const id of account.log) seen.set(id, (seen.get(id) ?? 0) + 1);
	}
	invariant(total === accounts * 100, `total ${total}, expected ${accounts * 100}`);
	for (const [id, count] of seen) invariant(count === 2, `transfer ${id} appears ${count} times`);
	for (const id of acknowledged) invariant(seen.get(id) === 2, `acknowledged transfer ${id} was not applied`);
}

function fencingScenario(seed: number) {
	reseed(seed);
	resetCloud();
	const rng = new Random(seed);
	chaosFaults(seed, rng);
	const [first, second] = servers(2);
	const ref = { store: "ChaosFence", key: "doc" };
	let staleResult: DataError | undefined;
	let staleWrote = false;
	let newWrote = false;
	let firstWrote = false;
	let firstToken = 0;
	let secondToken = 0;
	let done = 0;
	first.spawn(() => {
		const dal = dalFor(first, { locks: { leaseTime: 5 } });
		const lease = dal.acquireLock("fence", 60, false).expect();
		firstToken = lease.token;
		const [wroteBefore] = dal.write(ref, "first:before-pause", { lease }).await();
		firstWrote = wroteBefore;
		task.wait(rng.NextNumber(6, 15)); // paused past its lease, renewal included
		const [ok, err] = dal.write(ref, "first:after-pause", { lease }).await();
		staleWrote = ok;
		staleResult = ok ? undefined : (err as DataError);
		done += 1;
	});
	second.spawn(() => {
		task.wait(0.5);
		const dal = dalFor(second, { locks: { leaseTime: 5 } });
		const lease: Lease = dal.acquireLock("fence", 60).expect();
		secondToken = lease.token;
		const [ok] = dal.write(ref, "second", { lease }).await();
		newWrote = ok;
		dal.releaseLock(lease);
		done += 1;
	});
	waitFor(() => done >= 2, 300);
	invariant(done >= 2, "the fencing scenario did not finish");
	const stored = cleanRead<string>(ref);
	invariant(!staleWrote, "the paused holder wrote after its lease ran out");
	invariant(
		staleResult === undefined ||
			staleResult.kind === "LockLost" ||
			staleResult.kind === "Unavailable" ||
			staleResult.kind === "Throttled",
		`the stale write failed with ${staleResult?.kind}`,
	);
	// Whoever acquired last holds the larger token; its write must be what stays.
	if (secondToken > firstToken && newWrote)
		invariant(stored === "second", `the newer holder wrote but the key holds ${stored}`);
	if (firstToken > secondToken && firstWrote) {
		invariant(stored === "first:before-pause", `the newer holder wrote but the key holds ${stored}`);
	}
}

export = () => {
	describe("DataAccessLayer chaos", () => {
		for (const seed of chaosSeeds(200)) {
			it(`counts every acknowledged increment exactly once (seed ${seed})`, () => counterScenario(seed));
		}
		for (const seed of chaosSeeds(200)) {
			it(`conserves money across random transfers (seed ${seed})`, () => transferScenario(seed, 8, 12));
		}
		for (const seed of chaosSeeds(200)) {
			it(`never lets a paused lock holder overwrite the new holder (seed ${seed})`, () => fencingScenario(seed));
		}
		// One run of this costs about as much as 50 ordinary scenarios: a chaos run of N seeds runs it N/50 times.
		for (const seed of chaosSeeds(1, 50)) {
			it(`conserves money over 2,000 transfers between 50 accounts (seed ${seed})`, () =>
				transferScenario(seed, 50, 2000));
		}
	});
};
