import type { DataAccessLayer } from "../DataAccessLayer";
import { open } from "../dal/Envelope";
import { describeKey, KeyRef } from "../dal/KeyRef";
import { asRing } from "./BackupRing";
import type { RingRead } from "./pickVerified";

/** The DataStore method this reader calls (reference/engine/classes/DataStore: GetVersionAtTimeAsync). */
interface VersionedStore {
	GetVersionAtTimeAsync?(key: string, timestamp: number): LuaTuple<[unknown, DataStoreKeyInfo | undefined]>;
}

/**
 * Reads a backup ring as its key held it at `time` (Unix seconds) through DataStore versions, at normal
 * priority, with the DataAccessLayer's retries and checksum check. Roblox keeps one version per key for the
 * first write of each UTC hour (later writes in that hour overwrite it) for 30 days, so the ring read holds
 * every backup that ring had at the end of `time`'s hour, retention tiers not yet applied to them: older
 * history than the live ring keeps, at the ring's own resolution (cloud-services/data-stores/
 * versioning-listing-and-caching).
 *
 * @param dal - the layer every request goes through (its budget, queue and retries).
 * @param ref - the ring's key.
 * @param time - the moment, Unix seconds; at most ten minutes past the layer's clock (Roblox's limit).
 * @returns the ring, or `missing` (no version at or before `time`, or not a ring) / `unreadable` (the
 * request failed or its checksum did not match), with a detail naming the key and the time.
 * @example
 * ```ts
 * const old = readRingAtTime(dal, { store: "DataService.Backups", key: "123" }, os.time() - 40 * 86400);
 * ```
 */
export function readRingAtTime(dal: DataAccessLayer, ref: KeyRef, time: number): RingRead {
	const where = describeKey(ref);
	// Roblox refuses a timestamp more than ten minutes ahead (reference/engine/classes/DataStore).
	const timestamp = math.floor(math.min(time, dal.now() + 600) * 1000);
	if (timestamp <= 0) return { failure: "missing", detail: `${where}: no version before the Unix epoch` };
	const store = dal.store(ref) as unknown as VersionedStore;
	if (!typeIs(store.GetVersionAtTimeAsync, "function"))
		return { failure: "missing", detail: `${where}: this data store keeps no versions` };
	const [ok, result] = pcall(() => {
		// Normal priority: the GetVersion budget is 5 + 2 per player a minute, and background's reserve
		// (8 left untouched) would never be met in a small server. A restore is an operator's act anyway.
		const raw = dal.request(ref, Enum.DataStoreRequestType.GetVersionAsync, "normal", () => {
			const [value] = store.GetVersionAtTimeAsync!(ref.key, timestamp);
			return value;
		});
		return open(raw, where);
	});
	if (!ok) {
		const err = result as unknown as { kind?: unknown; message?: unknown };
		const detail =
			typeIs(err, "table") && typeIs(err.message, "string")
				? `${tostring(err.kind)}: ${err.message}`
				: tostring(result);
		return { failure: "unreadable", detail };
	}
	if (result === undefined) {
		return { failure: "missing", detail: `${where}: no version at or before ${time} (versions are kept 30 days)` };
	}
	const ring = asRing(result.d);
	return ring !== undefined ? { ring } : { failure: "missing", detail: `${where}: the version holds no ring` };
}
