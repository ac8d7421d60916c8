/**
 * Typed access to the simulated Roblox cloud for specs: reset it, configure data store faults, inspect
 * what is stored (values, versions, key info) without spending any server's budget, and advance virtual
 * time. Every server of the world shares this one cloud.
 */

/** Faults of the data store section of the world's fault plan (times are virtual seconds from run start). */
export interface DataStoreFaults {
	/** Probability that a request fails, by method name ("GetAsync", "UpdateAsync", ...) or "*" for any. */
	errorRate?: { [method: string]: number };
	/** Codes a failing request draws from: a list, or lists by method name / "*". Default { 502 }. */
	errorCodes?: Array<number> | { [method: string]: Array<number> };
	/** Probability that a write which was applied still reports failure to its caller. */
	failedButAppliedRate?: number;
	/** Latency of one request in seconds: uniform in [min, max], plus a tail with probability tailRate. */
	latency?: { min?: number; max?: number; tailRate?: number; tailMax?: number };
	/** Windows where every request takes `extra` more seconds. */
	spikes?: Array<{ start: number; stop: number; extra?: number }>;
	/** Windows where every request fails with `code` (default 502). */
	outages?: Array<{ start: number; stop: number; code?: number }>;
}

/** Tunables of the emulation itself (not of Roblox). */
export interface CloudConfig {
	/** Seconds a GetAsync result stays in a server's cache (Roblox: 4). */
	cacheSeconds?: number;
	/** Requests each request type's throttle queue holds (Roblox: 30). */
	queueLimit?: number;
	/** The one-time start allotment, in minutes of each request type's base rate (servers attached afterwards). */
	startAllotmentMinutes?: number;
}

/** One version of a key as the cloud holds it. */
export interface StoredVersion {
	version: string;
	/** Unix milliseconds. */
	created: number;
	updated: number;
	deleted: boolean;
	json: string;
}

/** What the cloud holds for one key. */
export interface StoredEntry {
	json: string;
	value: unknown;
	version: string;
	created: number;
	updated: number;
	userIds: Array<number>;
	metadata: { [key: string]: unknown };
	deleted: boolean;
	versions: Array<StoredVersion>;
}

type StoreKind = "standard" | "ordered" | "global";

// Engine modules are plain Luau tables of functions: called with a dot, so declared as function properties.
interface RawCloud {
	reset: () => void;
	configure: (options: CloudConfig) => void;
	unix: () => number;
	millis: () => number;
	skipAhead: (seconds: number) => void;
}
/** One write the cloud committed (see {@link dataStoreWrites}). */
export interface StoredWrite {
	kind: StoreKind;
	/** The data store's name. */
	name: string;
	scope: string;
	key: string;
	/** Virtual seconds since the run began. */
	time: number;
	/** How many writes the key had with this one. */
	serial: number;
	/** A RemoveAsync tombstone. */
	deleted: boolean;
}

interface RawDataStore {
	writes: (name: string | undefined, scope: string | undefined) => Array<StoredWrite>;
	inspect: (
		name: string,
		key: string,
		scope: string | undefined,
		kind: StoreKind | undefined,
	) => StoredEntry | undefined;
}
/** The world's whole fault plan: `seed` seeds its random stream; each service reads its own section. */
export interface FaultPlan {
	seed?: number;
	dataStore?: DataStoreFaults;
	[section: string]: unknown;
}

interface RawFaults {
	configure: (plan: FaultPlan) => void;
	plan: () => FaultPlan;
	configureSection: (name: string, section: object | undefined) => void;
	runSeed: () => number;
	dataStoreLatency: () => number;
}

const cloud = () => __runtime.Cloud as RawCloud;
const dataStore = () => __runtime.DataStore as RawDataStore;
const faults = () => __runtime.Faults as RawFaults;

/** Forgets every stored value, clears data store faults, and gives every server fresh budgets and caches. */
export function resetCloud(): void {
	cloud().reset();
	faults().configureSection("dataStore", undefined);
}

/** Changes the emulation's tunables until the next {@link resetCloud}. */
export function configureCloud(options: CloudConfig): void {
	cloud().configure(options);
}

/** Replaces the data store faults of the world's fault plan (other services' faults are kept). */
export function configureDataStoreFaults(section: DataStoreFaults): void {
	faults().configureSection("dataStore", section);
}

/**
 * Replaces the world's whole fault plan (every service's section) and reseeds its random stream from
 * `plan.seed`: the same seed and the same requests replay the same faults.
 */
export function configureFaultPlan(plan: FaultPlan): void {
	faults().configure(plan);
}

/** The world's current fault plan. */
export function faultPlan(): FaultPlan {
	return faults().plan();
}

/** Removes every data store fault: requests then only take the default latency. */
export function clearDataStoreFaults(): void {
	faults().configureSection("dataStore", undefined);
}

/** The latency one data store request would take now (draws from the fault stream). */
export function sampleLatency(): number {
	return faults().dataStoreLatency();
}

/** What the cloud holds for `key` of the data store `name` (scope "global" by default), or undefined. */
export function stored(name: string, key: string, scope?: string, kind?: StoreKind): StoredEntry | undefined {
	return dataStore().inspect(name, key, scope, kind);
}

/** The stored value of a key (undefined when absent or removed), read without spending budget. */
export function storedValue(name: string, key: string, scope?: string, kind?: StoreKind): unknown {
	const entry = stored(name, key, scope, kind);
	return entry === undefined || entry.deleted ? undefined : entry.value;
}

/**
 * Every write the cloud committed since the last {@link resetCloud}, in the order they landed, optionally
 * only those of the data store `name` (and `scope`). A write that reported failure but landed is listed;
 * one that failed or was throttled is not. Reading it spends no budget.
 */
export function dataStoreWrites(name?: string, scope?: string): Array<StoredWrite> {
	return dataStore().writes(name, scope);
}

/** The versions the cloud keeps for a key, oldest first. */
export function storedVersions(name: string, key: string, scope?: string): Array<StoredVersion> {
	const entry = stored(name, key, scope);
	return entry === undefined ? [] : entry.versions;
}

/** Waits `seconds` of virtual time (budgets refill, caches expire, UTC hours pass). */
export function advance(seconds: number): void {
	task.wait(seconds);
}

/** The cloud's Unix time in milliseconds (true virtual time, no server clock skew). */
export function cloudMillis(): number {
	return cloud().millis();
}

/**
 * Moves the cloud's clock forward without running the world that long (servers' clocks, caches and
 * budgets do not move): for hourly versions and 30-day retention within one test's time limit.
 */
export function skipCloudClock(seconds: number): void {
	cloud().skipAhead(seconds);
}

/** Moves the cloud's clock to `offsetSeconds` into the next UTC hour (see {@link skipCloudClock}). */
export function skipToNextHour(offsetSeconds = 1): void {
	const unix = cloud().unix();
	const target = (math.floor(unix / 3600) + 1) * 3600 + offsetSeconds;
	cloud().skipAhead(target - unix);
}

/** The run's seed (npm test -- --seed S). */
export function runSeed(): number {
	return faults().runSeed();
}

/**
 * Runs a randomized spec body; if it fails, the error says which seed replays it.
 */
export function withSeed(body: () => void): void {
	const [ok, err] = pcall(body);
	if (!ok) {
		const seed = runSeed();
		error(`${tostring(err)}\n[randomized spec] run seed ${seed}: replay with npm test -- --seed ${seed}`, 0);
	}
}
