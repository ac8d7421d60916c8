import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy, EvictionPolicyName } from "./EvictionPolicy";
import { NodeList } from "./NodeList";

/**
 * A policy that keeps its nodes in one queue: arrivals join its newest end and its oldest node is the
 * victim. Subclasses decide what a read does (FIFO: nothing; LRU: a second chance, see LruPolicy).
 *
 * The queues of neighbouring levels share one NodeList, coldest level first: `[L3 oldest .. L3 newest][L2
 * oldest .. L2 newest][L1 oldest .. L1 newest]`, each queue a run of it starting at its `head`. So the oldest
 * node of a level already sits just after the newest node of the colder level, and a demotion of that node
 * (the common move: a full level pushes its victim down) writes no link at all: `passHead` moves the
 * boundary between the two runs. A set into three full levels then writes the links of one arrival and one
 * departure, as a single LRU does, instead of three of each.
 * @example
 * ```ts
 * const l2 = new LruPolicy();
 * const l1 = new LruPolicy(l2); // shares l2's list, after it
 * l1.add(a); l1.add(b);
 * l1.passHead(); // a is now l2's newest node, b l1's only one; no link written
 * ```
 * @internal
 */
export abstract class QueuePolicy implements EvictionPolicy {
	abstract readonly name: EvictionPolicyName;
	/** The list this queue holds a run of (shared with the colder and hotter queues, when there are). */
	readonly list: NodeList;
	/** The oldest node of this queue, undefined when it is empty. */
	head?: CacheNode;
	/** Nodes in this queue. */
	length = 0;
	/** The queue of the next hotter level, which holds the run after this one. */
	hotter?: QueuePolicy;

	/**
	 * @param colder the queue of the next colder level, to share its list (this queue's run goes after its
	 * run); omitted, the queue has a list of its own
	 */
	constructor(readonly colder?: QueuePolicy) {
		this.list = colder ? colder.list : new NodeList();
		if (colder) colder.hotter = this;
	}

	abstract touch(node: CacheNode): void;

	/** The first node after this queue's run (the oldest node of the nearest non-empty hotter queue). */
	protected after() {
		let queue = this.hotter;
		while (queue !== undefined) {
			if (queue.head !== undefined) return queue.head;
			queue = queue.hotter;
		}
		return undefined;
	}

	/** The newest node, undefined when the queue is empty. */
	newest() {
		if (this.head === undefined) return undefined;
		const after = this.after();
		return after ? after.prev : this.list.tail;
	}

	add(node: CacheNode) {
		// The hottest queue (L1) appends at the list's tail: a set pays no search for its place.
		if (this.hotter === undefined) this.list.add(node);
		else this.list.insertBefore(node, this.after());
		if (this.head === undefined) this.head = node;
		this.length += 1;
	}

	remove(node: CacheNode) {
		if (node === this.head) this.head = this.length > 1 ? node.next : undefined;
		this.list.remove(node);
		this.length -= 1;
	}

	victim() {
		return this.head;
	}

	/**
	 * Moves this queue's oldest node to the newest end of the colder queue, without writing a link: the node
	 * already sits there in the shared list. Only for a queue with a colder queue, and not empty.
	 */
	passHead() {
		const node = this.head!;
		const colder = this.colder!;
		this.length -= 1;
		this.head = this.length > 0 ? node.next : undefined;
		if (colder.head === undefined) colder.head = node;
		colder.length += 1;
	}

	/** Node links written in the shared list; reported by its coldest queue only, so each write counts once. */
	touches() {
		return this.colder === undefined ? this.list.counter.touches : 0;
	}
}
