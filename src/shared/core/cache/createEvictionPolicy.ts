import { CacheError } from "./CacheError";
import type { EvictionPolicy } from "./EvictionPolicy";
import { FifoPolicy } from "./FifoPolicy";
import { LfuPolicy } from "./LfuPolicy";
import { LruPolicy } from "./LruPolicy";

/**
 * Builds the policy named `name`.
 * @param name "LRU", "LFU" or "FIFO"
 * @param where the option being read, for the error message (e.g. "L2.policy")
 * @returns a new, empty policy
 * @throws CacheError `InvalidConfig` for any other name
 * @example
 * ```ts
 * const policy = createEvictionPolicy("LFU", "L3.policy");
 * ```
 * @internal
 */
export function createEvictionPolicy(name: unknown, where: string): EvictionPolicy {
	if (name === "LRU") return new LruPolicy();
	if (name === "LFU") return new LfuPolicy();
	if (name === "FIFO") return new FifoPolicy();
	throw new CacheError("InvalidConfig", `${where} must be "LRU", "LFU" or "FIFO", got ${tostring(name)}`);
}
