import type { CacheNode } from "./CacheNode";

/**
 * Counts nodes whose links were written.
 * @example
 * ```ts
 * const counter: TouchCounter = { touches: 0 };
 * const a = new NodeList(counter), b = new NodeList(counter); // one count for both
 * ```
 * @internal
 */
export interface TouchCounter {
	touches: number;
}

/**
 * An intrusive doubly linked list of cache nodes: append and remove are O(1) and touch at most three
 * nodes. Every node write is counted in `counter`, which the specs use to prove eviction cost does not
 * grow with the size of a level. Queue policies (LRU, FIFO) of neighbouring levels share one NodeList, each
 * holding a run of it (see QueuePolicy).
 * @example
 * ```ts
 * const list = new NodeList();
 * list.add(node);
 * list.remove(node); // O(1), no search
 * ```
 * @internal
 */
export class NodeList {
	head?: CacheNode;
	tail?: CacheNode;
	length = 0;

	/**
	 * @param counter where node writes are counted; lists of one policy share one counter
	 */
	constructor(readonly counter: TouchCounter = { touches: 0 }) {}

	/**
	 * Appends `node` at the tail (the most recent end).
	 * @param node a node in no list
	 */
	add(node: CacheNode) {
		const tail = this.tail;
		node.prev = tail;
		node.next = undefined;
		if (tail) {
			tail.next = node;
			this.counter.touches += 2;
		} else {
			this.head = node;
			this.counter.touches += 1;
		}
		this.tail = node;
		this.length += 1;
	}

	/**
	 * Inserts `node` just before `before`, or at the tail when `before` is undefined.
	 * @param node a node in no list
	 * @param before a node of this list, or undefined
	 */
	insertBefore(node: CacheNode, before: CacheNode | undefined) {
		if (before === undefined) {
			this.add(node);
			return;
		}
		const prev = before.prev;
		node.prev = prev;
		node.next = before;
		before.prev = node;
		if (prev) {
			prev.next = node;
			this.counter.touches += 3;
		} else {
			this.head = node;
			this.counter.touches += 2;
		}
		this.length += 1;
	}

	/**
	 * Removes `node`, which must be in this list.
	 * @param node a node of this list
	 */
	remove(node: CacheNode) {
		const prev = node.prev;
		const nextNode = node.next;
		this.counter.touches += 1;
		if (prev) {
			prev.next = nextNode;
			this.counter.touches += 1;
		} else {
			this.head = nextNode;
		}
		if (nextNode) {
			nextNode.prev = prev;
			this.counter.touches += 1;
		} else {
			this.tail = prev;
		}
		node.prev = undefined;
		node.next = undefined;
		this.length -= 1;
	}

	/** Nodes whose links were written, since creation (shared with the lists of the same counter). */
	touches() {
		return this.counter.touches;
	}
}
