/* eslint-disable roblox-ts/no-user-defined-lua-tuple -- UpdateAsync's transform returns (value, userIds, metadata). */
import { deepCopy } from "shared/protocol/deepCopy";
import { isRetryableCode, toDataError } from "shared/core/dal/Retry";
import { claimLock, ClaimResult, LockClaim } from "./claimLock";
import { LockedProfile, ProfileHost } from "./LockedProfile";
import { saveRecord, SaveResult } from "./saveRecord";
import { recordOf, SessionRecord } from "./SessionRecord";

/** The DataStore methods the store calls (the real one, or the field-encryption wrapper around it). */
export interface ProfileDataStore {
	UpdateAsync(
		key: string,
		transform: (value: unknown, keyInfo: unknown) => LuaTuple<[unknown, Array<number>?, object?]> | undefined,
	): LuaTuple<[unknown, unknown]>;
	RemoveAsync(key: string): unknown;
}

/** A ProfileService not-released handler: "Repeat", "Cancel", "ForceLoad" or "Steal" (from that holder only). */
export type NotReleasedHandler = (
	placeId: number,
	jobId: string,
	/** The holder's session load count as the claim saw it (ProfileService's handlers get no such argument). */
	loadCount?: number,
) => "Repeat" | "Cancel" | "ForceLoad" | "Steal";

/** What a {@link LockedProfileStore} is built with. */
export interface LockedProfileStoreOptions {
	readonly template: object;
	readonly dataStore: ProfileDataStore;
	/** Runs one request for `key` (the DataAccessLayer's per-key queue, budget and retries); may throw. */
	readonly request: <T>(key: string, kind: "update" | "remove", attempt: () => T) => T;
	readonly placeId: number;
	readonly jobId: string;
	/**
	 * Seconds a ForceLoad request waits for the holder to save and release (a holder sees it at its next
	 * save: within one durability window when its data changed) before it takes the lock anyway.
	 */
	readonly forceLoadGrace: number;
	/** Told about each DataStore error (the issue count behind CriticalState). */
	readonly onIssue: (message: string) => void;
	/**
	 * Told when a ForceLoad request was written for `key` held by `holder` (a JobId): the holder sees it only
	 * at its next save, and an idle holder writes nothing, so it is also asked to release by message.
	 */
	readonly onForceLoad?: (key: string, holder: string) => void;
}

/** What an UpdateAsync left stored (opened by an encryption wrapper), and the key's info. */
interface Stored {
	readonly value: unknown;
	readonly keyInfo?: DataStoreKeyInfo;
}

/** Seconds between tries while another server holds the lock: from the first to the last of these. */
const FIRST_RETRY = 0.25;
const MAX_RETRY = 1;

/**
 * ProfileService's ProfileStore as DataService uses it, with no write cooldown: LoadProfileAsync takes the
 * session lock in one UpdateAsync when it is free (with "ForceLoad", "Steal" or a not-released handler
 * when it is not, retrying 0.25 s to 1 s apart), a save is one UpdateAsync that writes only while the lock is
 * still the session's, and a release is one UpdateAsync clearing it. The stored layout is ProfileService's
 * (see {@link SessionRecord}). At most one write per profile runs at a time; saves asked for meanwhile are
 * coalesced into one.
 *
 * @example
 * ```ts
 * const profile = store.LoadProfileAsync("Player_1", (placeId, jobId) => "Repeat");
 * ```
 */
export class LockedProfileStore implements ProfileHost {
	readonly template: object;
	private dataStore: ProfileDataStore;
	private readonly active = new Map<string, LockedProfile>();
	private readonly loading = new Set<string>();
	private closing = false;

	constructor(private readonly options: LockedProfileStoreOptions) {
		this.template = options.template;
		this.dataStore = options.dataStore;
	}

	/**
	 * Loads `key` under the session lock. `handler` (default "ForceLoad") says what to do while another
	 * server holds it; a handler's "Steal" takes the lock only from the server it was called with.
	 * Yields; undefined when cancelled, refused by another ForceLoad, the store is closing, or the DataStore
	 * failed with an error not worth retrying.
	 */
	LoadProfileAsync(key: string, handler: "ForceLoad" | "Steal" | NotReleasedHandler = "ForceLoad") {
		if (!typeIs(key, "string") || key.size() === 0) {
			error(`[DataService] LoadProfileAsync: key must be a non-empty string, got ${typeOf(key)}`, 2);
		}
		if (this.active.has(key) || this.loading.has(key)) {
			error(`[DataService] LoadProfileAsync: ${key} is already loaded or loading in this session`, 2);
		}
		this.loading.add(key);
		const [ok, result] = pcall(() => this.load(key, handler));
		this.loading.delete(key);
		if (!ok) error(result, 0);
		return result;
	}

	/** Removes the key's stored profile (right to erasure); false when the request failed. Yields. */
	WipeProfileAsync(key: string): boolean {
		const [ok] = pcall(() => this.options.request(key, "remove", () => this.dataStore.RemoveAsync(key)));
		return ok;
	}

	/** Puts `wrap(current DataStore)` between the store and the DataStore (field encryption). */
	wrapDataStore(wrap: (inner: object) => object): void {
		this.dataStore = wrap(this.dataStore as unknown as object) as unknown as ProfileDataStore;
	}

	/** The profiles held here. */
	profiles(): Array<LockedProfile> {
		const out = new Array<LockedProfile>();
		for (const [, profile] of this.active) out.push(profile);
		return out;
	}

	/** Refuses new loads and releases every held profile; yields until their writes ended or `limit` s. */
	close(limit: number): void {
		this.closing = true;
		const started = os.clock();
		for (const profile of this.profiles()) profile.Release();
		const busy = () => {
			for (const profile of this.releasing) if (profile.writing) return true;
			return false;
		};
		while (busy() && os.clock() - started < limit) task.wait(0.1);
	}

	/** @internal */
	isActive(profile: LockedProfile): boolean {
		return this.active.get(profile.key) === profile;
	}

	private readonly releasing = new Set<LockedProfile>();

	/** @internal */
	release(profile: LockedProfile): void {
		if (!this.isActive(profile)) return;
		this.active.delete(profile.key);
		this.releasing.add(profile);
		profile.wantRelease = true;
		profile.ended();
		this.pump(profile);
	}

	/** @internal */
	save(profile: LockedProfile): void {
		profile.wantSave = true;
		this.pump(profile);
	}

	private load(key: string, handler: "ForceLoad" | "Steal" | NotReleasedHandler): LockedProfile | undefined {
		const claim: { -readonly [K in keyof LockClaim]: LockClaim[K] } = {
			placeId: this.options.placeId,
			jobId: this.options.jobId,
			now: 0,
			force: handler === "ForceLoad",
			stealFrom: handler === "Steal" ? "any" : undefined,
		};
		let forcedAt: number | undefined;
		let pause = FIRST_RETRY;
		while (!this.closing) {
			claim.now = os.time();
			claim.forceSteal = forcedAt !== undefined && os.clock() - forcedAt >= this.options.forceLoadGrace;
			let result: ClaimResult | undefined;
			let written: SessionRecord | undefined;
			const [ok, value] = pcall(() =>
				this.update(key, (raw) => {
					const record = recordOf(raw, this.template, claim.now);
					result = claimLock(record, claim);
					written = record;
					if (!result.write) return undefined;
					return $tuple(record, record.UserIds, record.RobloxMetaData);
				}),
			);
			if (!ok) {
				const err = toDataError(value);
				this.options.onIssue(`${key}: ${err.message}`);
				if (!isRetryableCode(err.code)) return undefined;
				task.wait(pause);
				pause = math.min(pause * 2, MAX_RETRY);
				continue;
			}
			if (result === undefined) return undefined;
			if (result.kind === "taken") {
				// What the store holds now (opened by an encryption wrapper), else what the transform wrote.
				const { value: stored, keyInfo } = value as Stored;
				const record = typeIs(stored, "table") ? (stored as SessionRecord) : deepCopy(written!);
				const profile = new LockedProfile(this, key, record);
				profile.KeyInfo = keyInfo;
				this.active.set(key, profile);
				if (this.closing) {
					profile.Release();
					return undefined;
				}
				return profile;
			}
			if (result.kind === "forceLost") return undefined;
			if (claim.force) {
				if (forcedAt === undefined) forcedAt = os.clock();
				if (result.write) this.options.onForceLoad?.(key, result.holder[1]);
			} else if (typeIs(handler, "function")) {
				// A steal names one holder: whoever holds it now (another server may have taken it first) is
				// put to the handler again.
				claim.stealFrom = undefined;
				const answer = handler(result.holder[0], result.holder[1], written!.MetaData.SessionLoadCount);
				if (answer === "Cancel") return undefined;
				if (answer === "ForceLoad") claim.force = true;
				else if (answer === "Steal") claim.stealFrom = result.holder[1];
				else if (answer !== "Repeat")
					error(`[DataService] LoadProfileAsync: the handler returned ${tostring(answer)}`, 0);
				// The handler waited already (it decides when to try again).
				pause = FIRST_RETRY;
				continue;
			}
			task.wait(pause);
			pause = math.min(pause * 2, MAX_RETRY);
		}
		return undefined;
	}

	/** One UpdateAsync of `key` through the request runner; what the store holds afterwards and its key info. */
	private update(
		key: string,
		transform: (raw: unknown) => LuaTuple<[unknown, Array<number>?, object?]> | undefined,
	): Stored {
		return this.options.request(key, "update", () => {
			const [value, keyInfo] = this.dataStore.UpdateAsync(key, transform);
			return { value, keyInfo: keyInfo as DataStoreKeyInfo | undefined };
		});
	}

	/** Runs the profile's pending writes one after the other (one thread per profile at a time). */
	private pump(profile: LockedProfile): void {
		if (profile.writing) return;
		profile.writing = true;
		task.spawn(() => {
			let pause = FIRST_RETRY;
			while (profile.wantRelease || profile.wantSave) {
				const release = profile.wantRelease;
				profile.wantSave = false;
				const outcome = this.write(profile, release);
				if (outcome === "saved") continue;
				if (outcome === "released" || outcome === "lost") {
					profile.wantRelease = false;
					profile.wantSave = false;
					this.releasing.delete(profile);
					if (this.isActive(profile)) {
						this.active.delete(profile.key);
						profile.ended();
					}
					profile.left();
					break;
				}
				// Failed: a release is tried until it lands (or the error is final); a save waits for the next one.
				if (outcome === "final") {
					profile.wantRelease = false;
					this.releasing.delete(profile);
					break;
				}
				if (!release) break;
				task.wait(pause);
				pause = math.min(pause * 2, 4);
			}
			profile.writing = false;
		});
	}

	/** One save or release write of `profile`. */
	private write(profile: LockedProfile, release: boolean): SaveResult | "failed" | "final" {
		let result: SaveResult | undefined;
		let image = "";
		let tags: Record<string, unknown> = {};
		const [ok, value] = pcall(() =>
			this.update(profile.key, (raw) => {
				const now = os.time();
				const record = recordOf(raw, this.template, now);
				tags = deepCopy(profile.MetaData.MetaTags);
				image = profile.image();
				result = saveRecord(record, {
					placeId: this.options.placeId,
					jobId: this.options.jobId,
					loadCount: profile.loadCount(),
					data: profile.Data,
					metaTags: tags,
					userIds: profile.UserIds,
					robloxMetaData: profile.RobloxMetaData,
					now,
					release,
				});
				if (result === "lost") return undefined;
				return $tuple(record, record.UserIds, record.RobloxMetaData);
			}),
		);
		if (!ok) {
			const err = toDataError(value);
			this.options.onIssue(`${profile.key}: ${err.message}`);
			return isRetryableCode(err.code) ? "failed" : "final";
		}
		if (result === undefined) return "failed";
		if (result !== "lost") {
			profile.savedImage = image;
			profile.MetaData.MetaTagsLatest = tags;
			const { value: raw, keyInfo } = value as Stored;
			const stored = raw as SessionRecord | undefined;
			if (keyInfo !== undefined) profile.KeyInfo = keyInfo;
			if (typeIs(stored, "table") && typeIs(stored.MetaData, "table")) {
				profile.MetaData.LastUpdate = stored.MetaData.LastUpdate;
				profile.MetaData.ActiveSession = stored.MetaData.ActiveSession;
				profile.MetaData.ForceLoadSession = stored.MetaData.ForceLoadSession;
			}
			profile.MetaTagsUpdated.Fire(profile.MetaData);
		}
		return result;
	}
}
