#!/usr/bin/env node
/**
 * npm start: the simulated game session on the headless runtime. It arrives with DataService and
 * StateManager (the end-to-end slice); until then it says so and exits cleanly.
 */
console.log(
	"npm start: the simulated game session (servers, players earning, buying, trading and teleporting, with\n" +
		"injected DataStore faults, ending in a health report) is coming with DataService and StateManager.\n" +
		"Today: `npm test` runs every spec on the headless runtime; `npm run bench` runs the benchmarks.",
);
