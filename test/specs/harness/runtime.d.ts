/**
 * The headless runtime's own API, reachable from specs as the global `__runtime` (engine internals:
 * see test/runtime/engine). Specs use the typed wrappers in this folder instead of touching it.
 *
 * Engine functions are plain functions called with a dot, so they are declared as function-typed
 * properties: method syntax would make roblox-ts call them with a colon and pass the module as the
 * first argument.
 */
declare const __runtime: {
	World: {
		newServer: (options?: object) => unknown;
		servers: Array<unknown>;
	};
	Scheduler: {
		now: () => number;
		frame: () => number;
		pendingSleepers: () => number;
		steps: () => number;
		frameListenerCount: () => number;
	};
	Output: {
		capture: (
			quiet?: boolean,
		) => LuaTuple<[Array<{ kind: string; message: string; context?: string }>, () => void]>;
	};
	Random: { float: () => number; integer: (min: number, max: number) => number; seed: (seed: number) => void };
	TestRunner: { setTimeLimit: (seconds: number) => void };
	/** Typed in harness/Memory.ts. */
	Memory: { collect: (cycles?: number) => void; census: () => unknown };
	host: { realtime: () => number; option: (name: string) => unknown };
	[key: string]: unknown;
};
