import { CacheError } from "./CacheError";
import type { EvictionPolicy } from "./EvictionPolicy";
import { FifoPolicy } from "./FifoPolicy";
import { LfuPolicy } from "./LfuPolicy";
import { LruPolicy } from "./LruPolicy";
import { QueuePolicy } from "./QueuePolicy";

/**
 * Builds the policy named `name`.
 * @param name "LRU", "LFU" or "FIFO"
 * @param where the option being read, for the error message (e.g. "L2.policy")
 * @param colder the policy of the next colder level: a queue policy (LRU, FIFO) shares its list when that is
 * a queue policy too, so demotions between them write no links (see QueuePolicy)
 * @returns a new, empty policy
 * @throws CacheError `InvalidConfig` for any other name
 * @example
 * ```ts
 * const policy = createEvictionPolicy("LFU", "L3.policy");
 * ```
 * @internal
 */
export function createEvictionPolicy(name: unknown, where: string, colder?: EvictionPolicy): EvictionPolicy {
	const queue = colder instanceof QueuePolicy ? colder : undefined;
	if (name === "LRU") return new LruPolicy(queue);
	if (name === "LFU") return new LfuPolicy();
	if (name === "FIFO") return new FifoPolicy(queue);
	throw new CacheError("InvalidConfig", `${where} must be "LRU", "LFU" or "FIFO", got ${tostring(name)}`);
}
