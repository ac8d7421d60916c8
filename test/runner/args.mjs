/**
 * The options every test command shares (`npm test`, `roblox-data-service-test`): --filter, --seed,
 * --timeout, --real-time-limit, --no-build, --verbose. `extra(arg, next)` takes a command's own options
 * and returns false for one it does not know. Fills `options` in place, checks the shared values, returns it.
 */
export function parseRunnerArgs(argv, options, extra = () => false) {
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const next = () => {
			if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
			return argv[++i];
		};
		if (arg === "--filter") options.filter = next();
		else if (arg === "--seed") options.seed = Number(next());
		else if (arg === "--timeout") options.timeout = Number(next());
		else if (arg === "--real-time-limit") options.realTimeLimit = Number(next());
		else if (arg === "--no-build") options.build = false;
		else if (arg === "--verbose") options.verbose = true;
		else if (!extra(arg, next)) throw new Error(`unknown option ${arg}`);
	}
	if (!Number.isFinite(options.seed)) throw new Error("--seed needs a number");
	if (!(options.timeout > 0)) throw new Error("--timeout needs a positive number of seconds");
	if (!(options.realTimeLimit > 0)) throw new Error("--real-time-limit needs a positive number of seconds");
	return options;
}
