/**
 * What {@link LinkMonitor.poll} asks the manager to do.
 *
 * @internal
 */
export type LinkAction = "resync" | "ping" | undefined;

/**
 * Options for {@link LinkMonitor}.
 *
 * @internal
 */
export interface LinkMonitorOptions {
	/** The clock, in seconds. */
	readonly now: () => number;
	/** Seconds of silence from the server before asking it for a `pong`. */
	readonly heartbeat: number;
	/** Seconds a skipped sequence number may take to arrive before it counts as lost. */
	readonly gapGrace: number;
	/** Seconds to wait after the `attempts`-th unanswered ping. */
	readonly backoff: (attempts: number) => number;
}

/** A hole this many messages wide is a loss at once: waiting for the stragglers would hold them all. */
const MAX_AHEAD = 256;

function isSeq(seq: unknown): seq is number {
	return typeIs(seq, "number") && seq % 1 === 0 && seq >= 1;
}

/**
 * Watches the server's message sequence on the client and says when state may have been lost: a
 * sequence number skipped for longer than the grace (a lost push, however the link lost it), or a silence
 * (then a ping, whose numbered answer reveals a loss at the tail). Transport-agnostic and clock-driven.
 * Counting starts at the first snapshot; a player's numbers only grow for the life of the server's sync.
 *
 * @internal
 * @example
 * ```ts
 * const link = new LinkMonitor({ now: os.clock, heartbeat: 5, gapGrace: 0.3, backoff: (n) => 0.5 * 2 ** n });
 * link.heard(message.seq);
 * if (link.poll(true) === "resync") sendResync();
 * ```
 */
export class LinkMonitor {
	/** The next sequence number expected in order; undefined until the first snapshot. */
	private expected?: number;
	/** Numbers received past a hole. */
	private readonly ahead = new Set<number>();
	private gapSince?: number;
	private lastHeard: number;
	private pingAttempts = 0;
	private pingAt = 0;

	constructor(private readonly options: LinkMonitorOptions) {
		this.lastHeard = options.now();
	}

	private drain(): void {
		while (this.expected !== undefined && this.ahead.has(this.expected)) {
			this.ahead.delete(this.expected);
			this.expected += 1;
		}
		if (this.ahead.size() === 0) this.gapSince = undefined;
	}

	/** A server message arrived, numbered `seq` (anything else: unnumbered, from a v1 path). */
	heard(seq: unknown): void {
		this.lastHeard = this.options.now();
		this.pingAttempts = 0;
		if (!isSeq(seq)) return;
		if (this.expected === undefined) {
			// Before the first snapshot there is nothing to be in order with: its number starts the count.
			if (this.ahead.size() < MAX_AHEAD) this.ahead.add(seq);
		} else if (seq === this.expected) {
			this.expected = seq + 1;
			this.drain();
		} else if (seq > this.expected) {
			this.ahead.add(seq);
			if (this.gapSince === undefined) this.gapSince = this.options.now();
			if (this.ahead.size() > MAX_AHEAD) this.gapSince = -math.huge;
		}
		// A number below the expected one is a late duplicate of a hole already given up on.
	}

	/** Everything numbered up to `seq` is accounted for (a resync was answered at `seq`). */
	settle(seq: unknown): void {
		if (!isSeq(seq)) return;
		if (this.expected === undefined || seq >= this.expected) this.expected = seq + 1;
		this.resume(seq);
	}

	/** Forgets numbers up to `seq`, counts on through those that already arrived, and times any hole left. */
	private resume(seq: number): void {
		for (const n of [...this.ahead]) if (n <= seq) this.ahead.delete(n);
		this.drain();
		if (this.ahead.size() > 0 && this.gapSince === undefined) this.gapSince = this.options.now();
	}

	/**
	 * Starts the sequence again after `seq` (a full snapshot: the truth, whatever came before), keeping
	 * the later numbers that overtook it.
	 */
	reset(seq: unknown): void {
		if (!isSeq(seq)) {
			this.ahead.clear();
			this.gapSince = undefined;
			this.expected = undefined;
			return;
		}
		this.expected = seq + 1;
		this.resume(seq);
	}

	/**
	 * @param connected whether pings make sense (the client holds a snapshot and waits for no answer)
	 * @returns `"resync"` once a hole outlived the grace (it is then jumped over), `"ping"` after a silence
	 * of `heartbeat` seconds and again with backoff while unanswered, otherwise undefined
	 */
	poll(connected: boolean): LinkAction {
		const now = this.options.now();
		if (this.gapSince !== undefined && now - this.gapSince >= this.options.gapGrace) {
			let highest = this.expected ?? 0;
			for (const n of this.ahead) highest = math.max(highest, n + 1);
			this.expected = highest;
			this.ahead.clear();
			this.gapSince = undefined;
			return "resync";
		}
		if (!connected) return undefined;
		const due =
			this.pingAttempts === 0
				? this.lastHeard + this.options.heartbeat
				: this.pingAt + this.options.backoff(this.pingAttempts);
		if (now < due) return undefined;
		this.pingAttempts += 1;
		this.pingAt = now;
		return "ping";
	}
}
