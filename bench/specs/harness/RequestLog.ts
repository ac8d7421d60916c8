/**
 * Counts every cloud request the world's servers make, by service and by method: DataStore requests at the
 * budget (an UpdateAsync is one request here, though it spends a Get and a Set budget), MemoryStore and
 * MessagingService calls at their engine classes. Also counts DataStore requests that waited in a throttle
 * queue and those dropped because the queue was full (301-306). Every library in a bench is counted by the
 * same hooks, so the figures compare.
 */
export interface RequestCounts {
	/** Requests by "Service.Method", e.g. "DataStore.UpdateAsync", "MemoryStore.SetAsync". */
	readonly byMethod: Map<string, number>;
	/** Requests per service: "DataStore", "MemoryStore", "Messaging". */
	readonly byService: Map<string, number>;
	/**
	 * DataStore calls by data store name, a trailing user id written `{id}` (the per-player transaction
	 * stores): where a library's DataStore cost goes.
	 */
	readonly byStore: Map<string, number>;
	/** MemoryStore request units (UpdateAsync 2, every other call 1: the documented minimums). */
	memoryStoreUnits: number;
	/** DataStore requests that waited in a throttle queue. */
	throttled: number;
	/** DataStore requests dropped with 301-306 (the throttle queue was full). */
	dropped: number;
}

type BudgetModule = {
	acquire: (this: void, budget: unknown, name: string, method: string) => unknown;
	available: (this: void, budget: unknown, name: string) => number;
};
type ClassDef = { allMethods: Record<string, Callback> };
type InstanceModule = { getClass: (this: void, name: string) => ClassDef | undefined };

const MEMORY_CLASSES = ["MemoryStoreHashMap", "MemoryStoreSortedMap", "MemoryStoreQueue"];
const MESSAGING_METHODS = ["PublishAsync", "SubscribeAsync"];

function add(counts: RequestCounts, service: string, method: string): void {
	const key = `${service}.${method}`;
	counts.byMethod.set(key, (counts.byMethod.get(key) ?? 0) + 1);
	counts.byService.set(service, (counts.byService.get(service) ?? 0) + 1);
}

/**
 * Starts counting; `stop()` removes every hook and returns the counts.
 * @example
 * ```ts
 * const log = startRequestLog();
 * playAnHour();
 * const counts = log.stop(); // counts.byService.get("DataStore")
 * ```
 */
export function startRequestLog(): { counts: RequestCounts; stop: () => RequestCounts } {
	const counts: RequestCounts = {
		byMethod: new Map(),
		byService: new Map(),
		byStore: new Map(),
		memoryStoreUnits: 0,
		throttled: 0,
		dropped: 0,
	};
	const restore = new Array<() => void>();

	const budget = __runtime.DataStoreBudget as BudgetModule;
	const acquire = budget.acquire;
	budget.acquire = (b, name, method) => {
		// UpdateAsync acquires its Get and its Set budget: count the request once, at its Get.
		if (method !== "UpdateAsync" || name === "GetAsync") add(counts, "DataStore", method);
		if (budget.available(b, name) < 1) counts.throttled += 1;
		const [ok, err] = pcall(() => acquire(b, name, method));
		if (!ok) {
			counts.dropped += 1;
			error(err, 0);
		}
		return undefined;
	};
	restore.push(() => (budget.acquire = acquire));

	const instances = __runtime.Instance as InstanceModule;
	const wrap = (className: string, service: string, methods: ReadonlyArray<string>, units?: boolean) => {
		const def = instances.getClass(className);
		if (def === undefined) return;
		for (const method of methods) {
			const original = def.allMethods[method] as ((...args: Array<unknown>) => unknown) | undefined;
			if (original === undefined) continue;
			def.allMethods[method] = (...args: Array<unknown>) => {
				add(counts, service, method);
				if (units) counts.memoryStoreUnits += method === "UpdateAsync" ? 2 : 1;
				return original(...args);
			};
			restore.push(() => (def.allMethods[method] = original));
		}
	};
	for (const className of MEMORY_CLASSES) {
		const def = instances.getClass(className);
		const methods = new Array<string>();
		if (def !== undefined) for (const [method] of pairs(def.allMethods)) methods.push(method as string);
		// Only the calls that reach the cloud: the ones ending in Async.
		wrap(
			className,
			"MemoryStore",
			methods.filter((m) => m.sub(-5) === "Async"),
			true,
		);
	}
	wrap("MessagingService", "Messaging", MESSAGING_METHODS);
	const stores = instances.getClass("DataStore");
	if (stores !== undefined) {
		for (const [method, original] of pairs(stores.allMethods)) {
			if ((method as string).sub(-5) !== "Async") continue;
			const call = original as (...args: Array<unknown>) => unknown;
			stores.allMethods[method as string] = (...args: Array<unknown>) => {
				const [store] = ((args[0] as Instance).Name as string).gsub("%d+$", "{id}");
				counts.byStore.set(store, (counts.byStore.get(store) ?? 0) + 1);
				return call(...args);
			};
			restore.push(() => (stores.allMethods[method as string] = call));
		}
	}

	return {
		counts,
		stop: () => {
			for (const undo of restore) undo();
			restore.clear();
			return counts;
		},
	};
}
