import { deepCopy } from "shared/protocol/deepCopy";

/** A session tag as ProfileService stores it: `{ placeId, jobId }` (a Luau array of two). */
export type SessionTag = [number, string];

/** `MetaData` of a stored profile, ProfileService's field names and meanings. */
export interface RecordMetaData {
	/** os.time() when the profile was made. */
	ProfileCreateTime: number;
	/** How many sessions loaded it: a session owns the lock only while this is still its own count. */
	SessionLoadCount: number;
	/** The server holding the session lock, or undefined when released. */
	ActiveSession?: SessionTag;
	/** A server asking the holder to release at its next save (ForceLoad). */
	ForceLoadSession?: SessionTag;
	/** Saved with the data; DataService's save marks live here. */
	MetaTags: Record<string, unknown>;
	/** os.time() of the last write by a session. */
	LastUpdate?: number;
}

/**
 * A player's profile as stored under its key, in ProfileService's layout, so a game moving from
 * ProfileService keeps its players' data and every reader of that layout (lockHolder, backups, migration
 * batches, consistency scans, admin offline edits) keeps working:
 * `{ Data, MetaData, GlobalUpdates, UserIds?, RobloxMetaData?, WasCorrupted? }`.
 */
export interface SessionRecord {
	Data: object;
	MetaData: RecordMetaData;
	/** ProfileService's global updates, `{ index, updates }`: kept as they are (DataService uses inboxes). */
	GlobalUpdates: unknown;
	UserIds?: Array<number>;
	RobloxMetaData?: object;
	/** Set when the stored value was not a profile and was replaced by the template (ProfileService's rule). */
	WasCorrupted?: boolean;
	[other: string]: unknown;
}

/**
 * The stored value of a profile key as a {@link SessionRecord}, made from `template` when nothing is stored,
 * and as ProfileService does when the value is not a profile: replaced by a new profile marked
 * `WasCorrupted` (global updates kept). A stored profile is returned as the same table, to be changed in
 * place: the value UpdateAsync gives a transform is the transform's own copy.
 *
 * @param raw - the value UpdateAsync's transform was given.
 * @param template - the data of a new profile (copied).
 * @param now - os.time() for a new profile's ProfileCreateTime.
 * @example
 * ```ts
 * const record = recordOf(undefined, { coins: 0 }, os.time()); // SessionLoadCount 0, no ActiveSession
 * ```
 */
export function recordOf(raw: unknown, template: object, now: number): SessionRecord {
	let globalUpdates: unknown = [0, []];
	let corrupted = false;
	if (typeIs(raw, "table")) {
		const value = raw as Partial<SessionRecord>;
		if (typeIs(value.Data, "table") && typeIs(value.MetaData, "table") && typeIs(value.GlobalUpdates, "table")) {
			const record = value as SessionRecord;
			record.WasCorrupted = undefined;
			if (!typeIs(record.MetaData.MetaTags, "table")) record.MetaData.MetaTags = {};
			if (!typeIs(record.MetaData.SessionLoadCount, "number")) record.MetaData.SessionLoadCount = 0;
			return record;
		}
		if (value.Data === undefined && value.MetaData === undefined && typeIs(value.GlobalUpdates, "table")) {
			globalUpdates = deepCopy(value.GlobalUpdates);
		} else corrupted = true;
	} else if (raw !== undefined) corrupted = true;
	const record: SessionRecord = {
		Data: deepCopy(template),
		MetaData: { ProfileCreateTime: now, SessionLoadCount: 0, MetaTags: {} },
		GlobalUpdates: globalUpdates,
	};
	if (corrupted) record.WasCorrupted = true;
	return record;
}

/** True when `tag` names the session of server `jobId` in place `placeId`. */
export function isSession(tag: unknown, placeId: number, jobId: string): boolean {
	return typeIs(tag, "table") && (tag as SessionTag)[0] === placeId && (tag as SessionTag)[1] === jobId;
}
