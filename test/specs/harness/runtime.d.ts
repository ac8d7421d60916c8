/**
 * The headless runtime's own API, reachable from specs as the global `__runtime` (engine internals:
 * see test/runtime/engine). Specs use the typed wrappers in this folder instead of touching it.
 */
declare const __runtime: {
	World: {
		newServer(options?: object): unknown;
		servers: Array<unknown>;
	};
	Scheduler: {
		now(): number;
		frame(): number;
		pendingSleepers(): number;
	};
	Output: {
		capture(): LuaTuple<[Array<{ kind: string; message: string; context?: string }>, () => void]>;
	};
	Random: { float(): number; integer(min: number, max: number): number };
	host: { realtime(): number; option(name: string): unknown };
	[key: string]: unknown;
};
