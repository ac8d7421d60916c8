import { HttpService } from "@rbxts/services";
import { deepCopy } from "shared/protocol/deepCopy";
import { Signal } from "../../metrics/Signal";
import type { RecordMetaData, SessionRecord } from "./SessionRecord";

/** A loaded profile's MetaData: the stored one, plus the meta tags the last completed save wrote. */
export type LoadedMetaData = RecordMetaData & { MetaTagsLatest: Record<string, unknown> };

/** What a profile asks of the store that loaded it. */
export interface ProfileHost {
	isActive(profile: LockedProfile): boolean;
	/** Ends the session: the profile stops being active now, its release write follows. */
	release(profile: LockedProfile): void;
	/** Starts a save (coalesced with one already running). */
	save(profile: LockedProfile): void;
	readonly template: object;
}

type ReleaseListener = (placeId: number | undefined, jobId: string | undefined) => void;

/**
 * One session's profile, the part of ProfileService's Profile that DataService uses: `Data`, `MetaData`
 * (`SessionLoadCount`, `MetaTags`, `MetaTagsLatest`), `IsActive`, `Save`, `Release`, `ListenToRelease`,
 * `ListenToHopReady`, `Reconcile`, `MetaTagsUpdated`, `SetMetaTag`, `AddUserId`. Its writes are the
 * store's ({@link LockedProfileStore}); it remembers what its last save wrote, so the durability window
 * writes it only when something changed.
 *
 * @example
 * ```ts
 * const profile = store.LoadProfileAsync("Player_1", "ForceLoad")!;
 * profile.Data.coins += 1; // written by the next save (at most one durability window away)
 * profile.Release();
 * ```
 */
export class LockedProfile {
	Data: object;
	readonly MetaData: LoadedMetaData;
	UserIds: Array<number>;
	RobloxMetaData: object;
	/** The key's DataStoreKeyInfo as of the last load or save (its Version pins quarantined data). */
	KeyInfo?: DataStoreKeyInfo;
	/** Fires after each completed save with the meta tags it wrote. */
	readonly MetaTagsUpdated = new Signal<LoadedMetaData>();

	/** @internal os.clock() when the durability window next looks at this profile. */
	nextSaveAt = 0;
	/** @internal What the last completed save wrote (see {@link image}). */
	savedImage: string;
	/** @internal A save or release write is running (one at a time per profile). */
	writing = false;
	/** @internal Another save was asked for while one ran. */
	wantSave = false;
	/** @internal The release write is still to do (kept until it succeeds). */
	wantRelease = false;
	private hopReady = false;
	private readonly releaseListeners = new Set<ReleaseListener>();
	private readonly hopListeners = new Set<() => void>();

	constructor(
		private readonly host: ProfileHost,
		/** The DataStore key. */
		readonly key: string,
		record: SessionRecord,
	) {
		this.Data = record.Data;
		this.MetaData = { ...record.MetaData, MetaTagsLatest: deepCopy(record.MetaData.MetaTags) };
		this.UserIds = record.UserIds ?? [];
		this.RobloxMetaData = record.RobloxMetaData ?? {};
		this.savedImage = this.image();
	}

	/** The session's load count: its lock holds only while the stored record shows this count. */
	loadCount(): number {
		return this.MetaData.SessionLoadCount;
	}

	/** True while this session holds the lock and may change and save the profile. */
	IsActive(): boolean {
		return this.host.isActive(this);
	}

	/** Saves now (after a save already running). Every explicit save writes, changed or not. */
	Save(): void {
		if (!this.IsActive()) return;
		this.host.save(this);
	}

	/** Ends the session: no longer active at once; the release write (clearing the lock) follows. */
	Release(): void {
		if (this.IsActive()) this.host.release(this);
	}

	/** Calls `listener(placeId, jobId)` once the session ended (at once if it already has). */
	ListenToRelease(listener: ReleaseListener): { Disconnect(): void } {
		if (!this.IsActive()) {
			const session = this.MetaData.ActiveSession;
			listener(session?.[0], session?.[1]);
			return { Disconnect() {} };
		}
		return connect(this.releaseListeners, listener);
	}

	/** Calls `listener` once the lock is no longer held by this session in the store (released or lost). */
	ListenToHopReady(listener: () => void): { Disconnect(): void } {
		if (this.hopReady) {
			task.spawn(listener);
			return { Disconnect() {} };
		}
		return connect(this.hopListeners, listener);
	}

	/** Fills the fields of Data missing from the template (top level and below), as ProfileService does. */
	Reconcile(): void {
		reconcile(this.Data as Record<string, unknown>, this.host.template as Record<string, unknown>);
	}

	/** Sets a meta tag, saved with the data. */
	SetMetaTag(name: string, value: unknown): void {
		if (!typeIs(name, "string") || name.size() === 0) {
			error(`[DataService] SetMetaTag: the tag name must be a non-empty string, got ${typeOf(name)}`, 2);
		}
		this.MetaData.MetaTags[name] = value;
	}

	/** Associates a user id with the key (its DataStore userIds: right to erasure). */
	AddUserId(userId: number): void {
		if (!typeIs(userId, "number") || userId % 1 !== 0) {
			error(`[DataService] AddUserId: user id must be an integer, got ${typeOf(userId)}`, 2);
		}
		if (!this.UserIds.includes(userId)) this.UserIds.push(userId);
	}

	/** @internal What a save would write, encoded: compared with {@link savedImage} to find changes. */
	image(): string {
		const [ok, json] = pcall(() =>
			HttpService.JSONEncode({
				d: this.Data,
				t: this.MetaData.MetaTags,
				u: this.UserIds,
				r: this.RobloxMetaData,
			}),
		);
		// Not encodable: the save will say why; counted as changed so it is tried.
		return ok ? json : `unencodable ${os.clock()}`;
	}

	/** @internal True when something changed since the last completed save. */
	changed(): boolean {
		return this.image() !== this.savedImage;
	}

	/** @internal The session ended here: tells the release listeners. */
	ended(): void {
		const session = this.MetaData.ActiveSession;
		for (const listener of this.releaseListeners) task.spawn(listener, session?.[0], session?.[1]);
		this.releaseListeners.clear();
	}

	/** @internal The lock is no longer this session's in the store: tells the hop-ready listeners. */
	left(): void {
		if (this.hopReady) return;
		this.hopReady = true;
		for (const listener of this.hopListeners) task.spawn(listener);
		this.hopListeners.clear();
	}
}

/** Adds `listener` to `listeners`; the connection's Disconnect removes it. */
function connect<L>(listeners: Set<L>, listener: L): { Disconnect(): void } {
	listeners.add(listener);
	return {
		Disconnect() {
			listeners.delete(listener);
		},
	};
}

function reconcile(target: Record<string, unknown>, template: Record<string, unknown>): void {
	for (const [key, value] of pairs(template)) {
		if (!typeIs(key, "string")) continue;
		const current = target[key];
		if (current === undefined) target[key] = deepCopy(value);
		else if (typeIs(current, "table") && typeIs(value, "table"))
			reconcile(current as Record<string, unknown>, value as Record<string, unknown>);
	}
}
