/**
 * Counts DataStore requests of every server from now until `stop` (an UpdateAsync is one request, though it
 * spends two budgets).
 * @example const counter = countRequests(); ...; const n = counter.count(); counter.stop();
 */
export function countRequests(): { count: () => number; stop: () => void } {
	const budget = __runtime.DataStoreBudget as {
		acquire: (this: void, budget: unknown, name: string, method: string) => unknown;
	};
	const original = budget.acquire;
	let n = 0;
	budget.acquire = (b, name, method) => {
		if (method !== "UpdateAsync" || name === "GetAsync") n += 1;
		return original(b, name, method);
	};
	return { count: () => n, stop: () => (budget.acquire = original) };
}
