import type { CacheNode } from "./CacheNode";
import { QueuePolicy } from "./QueuePolicy";

/**
 * Least recently used, kept the way CLOCK keeps it (second chance): a read does not move the node, it only
 * raises the node's `hits`, which CacheManager counts anyway; when a victim is wanted, a node at the head
 * read since it last passed there goes to the tail instead (its `seen` catches up with its `hits`), and the
 * first node not read since is the victim. So a read costs no link writes, and an eviction costs one move
 * per read it forgives (amortized O(1): a node passes the head once per batch of reads).
 *
 * The order is LRU's for the entries read since their last pass and the entries not read, each group in
 * turn; among entries read since their last pass, the one read first may outlive one read later (the
 * approximation CLOCK makes, for the same hit ratio on the bench's traces).
 * @example
 * ```ts
 * const lru = new LruPolicy();
 * lru.add(a); lru.add(b);
 * a.hits += 1; // a read
 * lru.victim(); // b; a went to the tail
 * ```
 * @internal
 */
export class LruPolicy extends QueuePolicy {
	readonly name = "LRU" as const;

	/** Nothing to do: the read is already counted in `node.hits`, which `victim` reads. */
	touch(_node: CacheNode) {}

	victim() {
		let node = this.head;
		while (node !== undefined && node.hits > node.seen) {
			node.seen = node.hits;
			// Read since its pass, yet the newest: it is the victim all the same.
			if (this.length === 1 || node === this.newest()) break;
			this.remove(node);
			this.add(node);
			node = this.head;
		}
		return node;
	}
}
