import type { ProfileStore } from "@rbxts/profileservice/globals";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import type { ProfileServiceLike } from "../DataServiceTypes";
import { DurabilityWindow } from "./DurabilityWindow";
import { LockedProfile } from "./LockedProfile";
import { LockedProfileStore, ProfileDataStore } from "./LockedProfileStore";

/** What a {@link SessionLockStore} is built with. */
export interface SessionLockStoreOptions {
	/**
	 * Every profile request goes through its per-key queue, budget wait and retries, at critical priority
	 * (default: a layer of its own with no cap on requests in flight: a shutdown releases every profile at
	 * once, and one profile never has more than one write in flight).
	 */
	readonly dataAccessLayer?: DataAccessLayer;
	/** Print the layer's warnings (default true). */
	readonly warnings?: boolean;
	/** Asks the holder of `key` to release it (a ForceLoad request was just written). */
	readonly onForceLoad?: (key: string, holder: string) => void;
	/** Seconds between two saves of a changed profile (DataServiceConfig.durabilityWindow). */
	readonly durabilityWindow: number;
	/** This server's id in session tags (DataService's jobId). */
	readonly jobId: string;
	readonly placeId?: number;
}

/** DataStore errors within this many seconds that make the critical state (ProfileService's rule: 5 in 120 s). */
const ISSUE_WINDOW = 120;
const ISSUES_FOR_CRITICAL = 5;
/** Seconds a ForceLoad waits beyond one durability window for the holder's own save and release. */
const FORCE_LOAD_MARGIN = 5;

/**
 * DataService's own session lock, the ProfileServiceLike it uses by default: ProfileService's stored layout
 * and the part of its API DataService calls ({@link LockedProfileStore}, {@link LockedProfile}), without its
 * 7 s per-key write cooldown (not a Roblox limit: the docs' error-codes-and-limits page sets budgets per server
 * and throughput per key, no spacing: create.roblox.com/docs/cloud-services/data-stores/error-codes-and-limits)
 * and without auto-saves of unchanged profiles
 * ({@link DurabilityWindow}). Which holder is alive comes from the servers' MemoryStore heartbeats
 * (ServerPresence, read by SessionHandoff), not from a DataStore timestamp: ProfileService's "assume a lock
 * dead after 30 minutes without a write" would steal from an idle holder, which writes nothing. When the
 * heartbeats cannot be read, nobody is seen dead: a loader asks the holder to release and after
 * `releaseTimeout` ForceLoads, which takes the lock once the holder had one durability window (+5 s) to
 * save and release by itself.
 *
 * @example
 * ```ts
 * new DataService(config, { profileService: new SessionLockStore({ durabilityWindow: 30, jobId: game.JobId }) });
 * ```
 */
export class SessionLockStore implements ProfileServiceLike {
	/** True while DataStore errors pile up (ProfileService's CriticalState: 5 within 120 s). */
	CriticalState = false;
	/** DataStore errors seen in the last 120 s. */
	ServiceIssueCount = 0;
	private readonly issues = new Array<number>();
	private readonly stores = new Array<LockedProfileStore>();
	private readonly autoSave: DurabilityWindow;
	private readonly dal: DataAccessLayer;

	constructor(private readonly options: SessionLockStoreOptions) {
		this.dal =
			options.dataAccessLayer ?? new DataAccessLayer({ warnings: options.warnings, maxConcurrent: math.huge });
		this.autoSave = new DurabilityWindow(options.durabilityWindow, () => this.profiles());
	}

	/** A profile store over DataStore `name`, new profiles made from `template`. */
	readonly GetProfileStore = (name: string, template: object): ProfileStore<object, unknown> => {
		const dal = this.dal;
		const dataStore = dal.store({ store: name, key: "Player_0" }) as unknown as ProfileDataStore;
		const store = new LockedProfileStore({
			template,
			dataStore,
			request: (key, kind, attempt) =>
				dal.request(
					{ store: name, key },
					kind === "update"
						? Enum.DataStoreRequestType.UpdateAsync
						: Enum.DataStoreRequestType.SetIncrementAsync,
					"critical",
					attempt,
				),
			placeId: this.options.placeId ?? game.PlaceId,
			jobId: this.options.jobId,
			forceLoadGrace: this.options.durabilityWindow + FORCE_LOAD_MARGIN,
			onIssue: () => this.noteIssue(),
			onForceLoad: this.options.onForceLoad,
		});
		this.stores.push(store);
		return store as unknown as ProfileStore<object, unknown>;
	};

	/** Every profile held by this server's stores. */
	profiles(): Array<LockedProfile> {
		const out = new Array<LockedProfile>();
		for (const store of this.stores) for (const profile of store.profiles()) out.push(profile);
		return out;
	}

	/** DataStore requests the profiles cost so far (every attempt counts). */
	requestCount(): number {
		return this.dal.getRequestCount();
	}

	/** Releases every held profile and refuses new loads; yields until the release writes end or `limit` s. */
	close(limit: number): void {
		this.autoSave.stop();
		const started = os.clock();
		for (const store of this.stores) store.close(math.max(limit - (os.clock() - started), 0));
	}

	/** Stops the auto-save (DataService.Destroy). */
	stop(): void {
		this.autoSave.stop();
	}

	private noteIssue(): void {
		this.issues.push(os.clock());
		this.recount();
		// The state ends by itself once the errors are older than the window.
		task.delay(ISSUE_WINDOW + 0.1, () => this.recount());
	}

	private recount(): void {
		const now = os.clock();
		while (this.issues.size() > 0 && now - this.issues[0] > ISSUE_WINDOW) this.issues.shift();
		this.ServiceIssueCount = this.issues.size();
		this.CriticalState = this.issues.size() >= ISSUES_FOR_CRITICAL;
	}
}
