import { isSession, SessionRecord } from "./SessionRecord";

/** What one session writes into its profile's record. */
export interface SaveImage {
	readonly placeId: number;
	readonly jobId: string;
	/** The session's load count: the lock is this session's only while the record still shows it. */
	readonly loadCount: number;
	readonly data: object;
	readonly metaTags: Record<string, unknown>;
	readonly userIds: Array<number>;
	readonly robloxMetaData: object;
	/** os.time() written as LastUpdate. */
	readonly now: number;
	/** Clear the lock with this write (the session ends). */
	readonly release: boolean;
}

/**
 * What {@link saveRecord} did: `saved`, `released` (the lock was cleared: asked, or another server's
 * ForceLoad request was waiting), or `lost` (the lock is not this session's any more: nothing may be written).
 */
export type SaveResult = "saved" | "released" | "lost";

/**
 * The save transform's decision: writes the session's data into `record` only while the record's lock is
 * still this session's (same server, same load count), as ProfileService does, so a server that lost the
 * lock (stolen after its heartbeat expired, force-loaded) can never commit again. Write `record` only when
 * the result is not `lost`.
 *
 * @example
 * ```ts
 * const result = saveRecord(record, image);
 * if (result === "lost") return undefined; // inside UpdateAsync's transform: no write
 * ```
 */
export function saveRecord(record: SessionRecord, image: SaveImage): SaveResult {
	const meta = record.MetaData;
	if (!isSession(meta.ActiveSession, image.placeId, image.jobId) || meta.SessionLoadCount !== image.loadCount) {
		return "lost";
	}
	record.Data = image.data;
	record.UserIds = image.userIds;
	record.RobloxMetaData = image.robloxMetaData;
	meta.MetaTags = image.metaTags;
	meta.LastUpdate = image.now;
	const forced = meta.ForceLoadSession !== undefined && !isSession(meta.ForceLoadSession, image.placeId, image.jobId);
	if (image.release || forced) {
		meta.ActiveSession = undefined;
		return "released";
	}
	return "saved";
}
