import type { DataAccessLayer } from "../DataAccessLayer";
import { listKeys } from "../migration/EnvelopeSource";

/**
 * Right to erasure for transaction records: removes every record filed under `owner` (transactions run with
 * `recordOwner`, see DataAccessLayer.transaction), all at background priority: the listing (one List request
 * per 100 records) first, then one RemoveAsync per record. A record of a transaction still in flight is
 * removed too, which aborts it (a reader finding no record rolls its keys back): erase a player no server
 * holds. Yields; throws the DataAccessLayer's error (calling again finishes the rest).
 * @returns how many records were removed.
 * @example
 * ```ts
 * eraseTransactionRecords(dal, userId); // the whole DataAccessLayer.Transactions.<userId> store
 * ```
 */
export function eraseTransactionRecords(dal: DataAccessLayer, owner: string | number): number {
	const store = dal.transactions.recordStoreOf(tostring(owner));
	// Listed whole before removing: the emulated and real cursors name the last key listed.
	const keys = new Array<string>();
	let cursor: string | undefined;
	do {
		const page = listKeys(dal, { store, key: "records" }, "", cursor, 100, "background");
		for (const key of page.keys) keys.push(key);
		cursor = page.cursor;
	} while (cursor !== undefined);
	for (const key of keys) dal.remove({ store, key }, { priority: "background" }).expect();
	return keys.size();
}
