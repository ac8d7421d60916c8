/**
 * Orders and paces DataStore requests. Requests for one key run one at a time in the order they were
 * made, so a later write never overtakes an earlier one. Across keys, the highest priority ready request
 * goes first, at most `maxConcurrent` run at once, and none is sent while the server's budget for its
 * request type (DataStoreService:GetRequestBudgetForRequestType) is below its priority's reserve: a
 * request waits instead of being throttled and dropped.
 */

/** Player saves go before ordinary work, which goes before backups and audit batches. */
export type Priority = "critical" | "normal" | "background";

const PRIORITY_ORDER: ReadonlyArray<Priority> = ["critical", "normal", "background"];

/** Budget a priority leaves untouched for higher priorities. */
const RESERVE: Record<Priority, number> = { critical: 0, normal: 2, background: 8 };

/** The DataStoreService method the scheduler needs. */
export interface BudgetSource {
	GetRequestBudgetForRequestType(requestType: Enum.DataStoreRequestType): number;
}

interface Job {
	readonly queueKey: string;
	readonly priority: Priority;
	readonly run: () => void;
}

export class RequestScheduler {
	private readonly queues = new Map<string, Array<Job>>();
	private readonly ready: Record<Priority, Array<Job>> = { critical: [], normal: [], background: [] };
	private running = 0;
	/** How long to wait before asking for budget again (seconds). */
	private readonly budgetPoll = 0.25;

	constructor(
		private readonly budget: BudgetSource | undefined,
		private readonly maxConcurrent: number,
	) {}

	/** Requests waiting or running. */
	pending(): number {
		let n = 0;
		for (const [, q] of this.queues) n += q.size();
		return n;
	}

	/**
	 * Blocks (yields) the current thread until the server has budget for `requestType` above the
	 * reserve of `priority`. Retries call this before every attempt.
	 * @returns the seconds it waited (0 when the budget was there): the audit trail's throttling events.
	 */
	waitForBudget(requestType: Enum.DataStoreRequestType, priority: Priority): number {
		const budget = this.budget;
		if (!budget) return 0;
		const started = os.clock();
		while (budget.GetRequestBudgetForRequestType(requestType) < 1 + RESERVE[priority]) {
			task.wait(this.budgetPoll);
		}
		return os.clock() - started;
	}

	/**
	 * Runs `work` when every earlier request for `queueKey` has finished and a slot is free; yields
	 * until it has run and returns its result (or rethrows its error).
	 */
	run<T>(queueKey: string, priority: Priority, work: () => T): T {
		const caller = coroutine.running();
		let result: [boolean, unknown] | undefined;
		let waiting = false;
		const job: Job = {
			queueKey,
			priority,
			run: () => {
				const [ok, value] = pcall(work);
				result = [ok, value];
				if (waiting) task.spawn(caller);
			},
		};
		let queue = this.queues.get(queueKey);
		if (!queue) {
			queue = [];
			this.queues.set(queueKey, queue);
		}
		queue.push(job);
		if (queue.size() === 1) this.ready[priority].push(job);
		this.pump();
		if (!result) {
			waiting = true;
			coroutine.yield();
		}
		const [ok, value] = result!;
		if (!ok) throw value;
		return value as T;
	}

	private nextReady(): Job | undefined {
		for (const p of PRIORITY_ORDER) {
			const list = this.ready[p];
			if (list.size() > 0) return list.shift();
		}
		return undefined;
	}

	private pump(): void {
		while (this.running < this.maxConcurrent) {
			const job = this.nextReady();
			if (!job) return;
			this.running += 1;
			task.spawn(() => {
				job.run();
				this.running -= 1;
				const queue = this.queues.get(job.queueKey)!;
				queue.shift();
				if (queue.size() === 0) this.queues.delete(job.queueKey);
				else this.ready[queue[0].priority].push(queue[0]);
				// Deferred so that requests finishing without yielding never nest pump calls.
				task.defer(() => this.pump());
			});
		}
	}
}
