import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy } from "./EvictionPolicy";
import { NodeList } from "./NodeList";

/**
 * The nodes read `frequency - 1` times in their level, in the order they reached that count.
 * @example
 * ```ts
 * const lowest: LfuBucket | undefined = node.bucket; // node.bucket.frequency === 1 for a node never read
 * ```
 * @internal
 */
export interface LfuBucket {
	readonly frequency: number;
	readonly nodes: NodeList;
	prev?: LfuBucket;
	next?: LfuBucket;
}

/**
 * Least frequently used, in O(1): buckets of equal frequency form a list in ascending order, each holding
 * its nodes in arrival order. A read moves a node to the next bucket (creating it beside the current one
 * when missing); the victim is the oldest node of the lowest bucket, so ties go to the least recently
 * promoted node. A node entering the level starts at frequency 1.
 * @example
 * ```ts
 * const lfu = new LfuPolicy();
 * lfu.add(a); lfu.add(b); lfu.touch(a);
 * lfu.victim(); // b
 * ```
 * @internal
 */
export class LfuPolicy implements EvictionPolicy {
	readonly name = "LFU" as const;
	private head?: LfuBucket;
	private readonly counter = { touches: 0 };

	add(node: CacheNode) {
		let bucket = this.head;
		if (!bucket || bucket.frequency !== 1) {
			bucket = this.insertAfter(undefined, 1);
		}
		bucket.nodes.add(node);
		node.bucket = bucket;
	}

	touch(node: CacheNode) {
		const bucket = node.bucket!;
		const frequency = bucket.frequency + 1;
		let target = bucket.next;
		if (!target || target.frequency !== frequency) {
			target = this.insertAfter(bucket, frequency);
		}
		bucket.nodes.remove(node);
		target.nodes.add(node);
		node.bucket = target;
		if (bucket.nodes.length === 0) this.removeBucket(bucket);
	}

	remove(node: CacheNode) {
		const bucket = node.bucket!;
		bucket.nodes.remove(node);
		node.bucket = undefined;
		if (bucket.nodes.length === 0) this.removeBucket(bucket);
	}

	victim() {
		return this.head?.nodes.head;
	}

	touches() {
		return this.counter.touches;
	}

	/** Creates a bucket after `prev` (at the head when undefined). */
	private insertAfter(prev: LfuBucket | undefined, frequency: number): LfuBucket {
		const nextBucket = prev ? prev.next : this.head;
		const bucket: LfuBucket = {
			frequency,
			nodes: new NodeList(this.counter),
			prev,
			next: nextBucket,
		};
		if (prev) prev.next = bucket;
		else this.head = bucket;
		if (nextBucket) nextBucket.prev = bucket;
		this.counter.touches += 3;
		return bucket;
	}

	private removeBucket(bucket: LfuBucket) {
		if (bucket.prev) bucket.prev.next = bucket.next;
		else this.head = bucket.next;
		if (bucket.next) bucket.next.prev = bucket.prev;
		this.counter.touches += 3;
	}
}
