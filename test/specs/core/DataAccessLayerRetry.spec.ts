import { DataAccessLayer, DataAuditEvent, DataError } from "shared/core/DataAccessLayer";
import { backoffDelay, DEFAULT_RETRY_POLICY, isRetryableCode } from "shared/core/dal/Retry";
import { clearDataStoreFaults, configureDataStoreFaults, resetCloud, storedValue } from "../harness/Cloud";
import { rejection } from "../harness/Promises";
import { now } from "../harness/World";

const failure = (promise: Promise<unknown>) => rejection<DataError>(promise);

/** Requests answer at once, so the time between two tries is the backoff the layer waited. */
const NO_LATENCY = { min: 0, max: 0, tailRate: 0 };
/** Three frames (1/60 s each): how late a wait may end in the runtime. */
const FRAME_SLACK = 3 / 60;

/** Fails with a message naming `what` unless `low <= value <= high`. */
function expectWithin(what: string, value: number, low: number, high: number): void {
	if (!(value >= low && value <= high)) error(`${what} was ${value}, expected between ${low} and ${high}`, 2);
}

/** The times (virtual seconds) at which a layer reported each retry of one request. */
function retryTimes(events: Array<{ event: DataAuditEvent; at: number }>): Array<number> {
	return events.filter((e) => e.event.type === "retry").map((e) => e.at);
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	describe("which failures are retried", () => {
		it("retries exactly the codes 301 to 306 and 500 to 505", () => {
			const retried = new Array<number>();
			for (let code = 0; code <= 999; code++) if (isRetryableCode(code)) retried.push(code);
			expect(retried.map((code) => tostring(code)).join(",")).to.equal(
				"301,302,303,304,305,306,500,501,502,503,504,505",
			);
			expect(isRetryableCode(undefined)).to.equal(false);
		});

		it("rides out an outage that fails every request with a retryable code, the range ends included", () => {
			for (const code of [301, 306, 500, 505]) {
				const events = new Array<DataAuditEvent>();
				const dal = new DataAccessLayer({ audit: (e) => events.push(e), warnings: false });
				configureDataStoreFaults({ outages: [{ start: now(), stop: now() + 1, code }] });
				dal.write({ store: "Outage", key: `k${code}` }, code).expect();
				const retries = events.filter((e) => e.type === "retry");
				expect(retries.size() >= 1).to.equal(true);
				expect(retries[0].type === "retry" && retries[0].error.code).to.equal(code);
				expect((storedValue("Outage", `k${code}`) as { d: number }).d).to.equal(code);
			}
		});

		it("fails at once, after one request, on the codes just outside the retryable ranges", () => {
			for (const code of [300, 307, 499, 506]) {
				const dal = new DataAccessLayer({ warnings: false });
				configureDataStoreFaults({ outages: [{ start: now(), stop: now() + 1, code }] });
				const err = failure(dal.write({ store: "Outage", key: `k${code}` }, code));
				expect(err.code).to.equal(code);
				expect(dal.getRequestCount()).to.equal(1);
			}
		});
	});

	describe("backoff", () => {
		it("draws each wait below a ceiling that starts at baseDelay and doubles up to maxDelay", () => {
			const policy = { ...DEFAULT_RETRY_POLICY, baseDelay: 0.5, maxDelay: 16 };
			const random = new Random(7);
			const ceilings = [0.5, 1, 2, 4, 8, 16, 16, 16];
			ceilings.forEach((ceiling, i) => {
				let lowest = math.huge;
				let highest = 0;
				for (let draw = 0; draw < 400; draw++) {
					const delay = backoffDelay(policy, i + 1, random);
					lowest = math.min(lowest, delay);
					highest = math.max(highest, delay);
				}
				// Full jitter: uniform over [0, ceiling]; 400 draws all under 95% of it have odds 0.95^400 (1e-9).
				expectWithin(`the longest wait before retry ${i + 1}`, highest, 0.95 * ceiling, ceiling);
				expectWithin(`the shortest wait before retry ${i + 1}`, lowest, 0, 0.05 * ceiling);
			});
		});

		it("waits longer and longer between the tries of a failing request, never past each ceiling", () => {
			const events = new Array<{ event: DataAuditEvent; at: number }>();
			const dal = new DataAccessLayer({
				audit: (event) => events.push({ event, at: now() }),
				retry: { maxAttempts: 12, deadline: math.huge },
				warnings: false,
			});
			configureDataStoreFaults({ errorRate: { UpdateAsync: 1 }, errorCodes: [502], latency: NO_LATENCY });
			expect(failure(dal.write({ store: "Backoff", key: "k" }, 1)).kind).to.equal("Unavailable");
			const times = retryTimes(events);
			expect(times.size()).to.equal(12);
			let longest = 0;
			for (let retry = 1; retry < times.size(); retry++) {
				const waited = times[retry] - times[retry - 1];
				const ceiling = math.min(
					DEFAULT_RETRY_POLICY.maxDelay,
					DEFAULT_RETRY_POLICY.baseDelay * 2 ** (retry - 1),
				);
				// A thread resumes on a frame boundary, and a request without latency still takes two frames.
				expectWithin(`the wait before retry ${retry}`, waited, 0, ceiling + FRAME_SLACK);
				longest = math.max(longest, waited);
			}
			// Eight of the eleven ceilings are 4 s or more: all eight waits under 2 s has odds below 1e-5.
			// A backoff stuck at its first ceiling never waits more than 0.5 s.
			expectWithin("the longest wait", longest, 2, DEFAULT_RETRY_POLICY.maxDelay + FRAME_SLACK);
		});
	});

	describe("deadline", () => {
		it("gives up with DeadlineExceeded when the next wait would pass the default 60 s deadline", () => {
			const events = new Array<DataAuditEvent>();
			const dal = new DataAccessLayer({
				audit: (e) => events.push(e),
				// Enough tries to last about 800 s: only the deadline can stop it within 60.
				retry: { maxAttempts: 100 },
				warnings: false,
			});
			configureDataStoreFaults({ errorRate: { UpdateAsync: 1 }, errorCodes: [503], latency: NO_LATENCY });
			const started = now();
			const err = failure(dal.write({ store: "Deadline", key: "k" }, 1));
			const elapsed = now() - started;
			expect(err.kind).to.equal("DeadlineExceeded");
			expect(err.code).to.equal(503);
			expect(err.message.find("Deadline/k", 1, true)[0] !== undefined).to.equal(true);
			// It stops before the deadline, not a whole wait earlier: the wait it refused is at most 16 s.
			const { deadline, maxDelay } = DEFAULT_RETRY_POLICY;
			expectWithin("the time to give up", elapsed, deadline - maxDelay, deadline + FRAME_SLACK);
			expect(events.filter((e) => e.type === "retry").size()).to.equal(dal.getRequestCount());
		});

		it("counts the deadline from the request's first try, with a custom deadline", () => {
			const dal = new DataAccessLayer({
				retry: { maxAttempts: 100, deadline: 5, maxDelay: 2 },
				warnings: false,
			});
			configureDataStoreFaults({ errorRate: { GetAsync: 1 }, errorCodes: [301], latency: NO_LATENCY });
			const started = now();
			const err = failure(dal.read({ store: "Deadline", key: "k" }));
			const elapsed = now() - started;
			expect(err.kind).to.equal("DeadlineExceeded");
			expect(err.code).to.equal(301);
			expectWithin("the time to give up", elapsed, 3, 5 + FRAME_SLACK);
		});
	});
};
