import { DataAccessLayer, DataAuditEvent, DataError } from "shared/core/DataAccessLayer";
import { WRITE_HISTORY } from "shared/core/dal/Envelope";
import { clearDataStoreFaults, configureDataStoreFaults, resetCloud, storedValue } from "../harness/Cloud";
import { rejection } from "../harness/Promises";

const failure = (promise: Promise<unknown>) => rejection<DataError>(promise);

const ref = { store: "Once", key: "counter" };
type Counter = { n: number; ids: Array<string> };
const NO_LATENCY = { min: 0, max: 0, tailRate: 0 };

/** Appends `id` to the counter, as the chaos scenario does. */
function increment(dal: DataAccessLayer, id: string) {
	return dal.update<Counter>(ref, (c) => ({ n: (c?.n ?? 0) + 1, ids: [...(c?.ids ?? []), id] }));
}

/** The stored counter, read without spending budget. */
function counter(): Counter {
	return (storedValue(ref.store, ref.key) as { d: Counter }).d;
}

/** How often `id` was applied. */
function applied(id: string): number {
	return counter()
		.ids.filter((x) => x === id)
		.size();
}

/**
 * A layer whose first write lands but reports failure (Roblox's failed-but-applied write); when it
 * reports the failure, before its backoff, `others` other writes land on the key and faults stop.
 */
function contendedLayer(others: number, retry: { maxAttempts?: number } = {}): DataAccessLayer {
	const rival = new DataAccessLayer({ warnings: false });
	let interleaved = false;
	const audit = (event: DataAuditEvent) => {
		if (event.type !== "retry" || interleaved) return;
		interleaved = true;
		clearDataStoreFaults();
		for (let i = 1; i <= others; i++) increment(rival, `other${i}`).expect();
	};
	configureDataStoreFaults({ failedButAppliedRate: 1, latency: NO_LATENCY });
	return new DataAccessLayer({ audit, retry, warnings: false });
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	describe("a retried update whose failed try had landed", () => {
		it("finds the landed try in the write history while fewer than 16 writes followed it", () => {
			const dal = contendedLayer(WRITE_HISTORY - 1);
			const doc = increment(dal, "mine").expect()!;
			expect(applied("mine")).to.equal(1);
			expect(counter().n).to.equal(WRITE_HISTORY);
			expect(doc.data.n).to.equal(WRITE_HISTORY);
		});

		it("never applies twice when 16 or more writes pushed its id out of the history: OutcomeUnknown", () => {
			for (const others of [WRITE_HISTORY, WRITE_HISTORY + 4]) {
				resetCloud();
				const dal = contendedLayer(others);
				const err = failure(increment(dal, "mine"));
				expect(err.kind).to.equal("OutcomeUnknown");
				expect(err.message.find("Once/counter", 1, true)[0] !== undefined).to.equal(true);
				expect(err.message.find(`${others + 1} writes landed since`, 1, true)[0] !== undefined).to.equal(true);
				expect(applied("mine")).to.equal(1);
				expect(counter().n).to.equal(others + 1);
			}
		});
	});

	describe("an update whose retries ran out after a try that may have landed", () => {
		it("resolves with the stored document when the check read finds the try landed", () => {
			const dal = contendedLayer(3, { maxAttempts: 1 });
			const doc = increment(dal, "mine").expect()!;
			expect(applied("mine")).to.equal(1);
			expect(doc.data.ids.includes("mine")).to.equal(true);
			expect(doc.version).to.equal(4);
		});

		it("rejects with OutcomeUnknown when 16 or more writes followed the try", () => {
			const dal = contendedLayer(WRITE_HISTORY + 2, { maxAttempts: 1 });
			const err = failure(increment(dal, "mine"));
			expect(err.kind).to.equal("OutcomeUnknown");
			expect(err.code).to.equal(502);
			expect(applied("mine")).to.equal(1);
		});

		it("rejects with the original error, without a check read, when no try reached the transform", () => {
			const dal = new DataAccessLayer({ retry: { maxAttempts: 2 }, warnings: false });
			configureDataStoreFaults({ errorRate: { UpdateAsync: 1 }, errorCodes: [503], latency: NO_LATENCY });
			const err = failure(increment(dal, "mine"));
			expect(err.kind).to.equal("Unavailable");
			expect(dal.getRequestCount()).to.equal(2);
			expect(storedValue(ref.store, ref.key)).to.equal(undefined);
		});
	});
};
