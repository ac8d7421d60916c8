import type { Profile, ProfileStore } from "@rbxts/profileservice/globals";
import { HttpService } from "@rbxts/services";
import { templateFieldsMissing } from "shared/core/consistency/ConsistencyMarks";
import { deepCopy } from "shared/protocol/deepCopy";
import { DataServiceError, serviceError } from "./DataServiceError";
import type { Adoption } from "./Adoption";
import { migrationPlan } from "./pipeline/MigrationChange";
import type { ProfileMigrations } from "./ProfileMigrations";
import type { InboxDocument } from "./Inbox";
import type { ServiceContext } from "./ServiceContext";
import type { Session, StoredProfile } from "./Session";
import type { SessionHandoff } from "./SessionHandoff";
import { toServiceError } from "./TransferResults";

/**
 * Loads a player's profile into a {@link Session}: takes the session lock (asking a holder on
 * another server to release it, taking a crashed holder's session over, ForceLoad from a live one that does
 * not answer), migrates it through the write pipeline, refuses data that breaks the schema (the profile is
 * released untouched), writes the session's fencing token into the inbox, and claims the inbox.
 *
 * @example
 * ```ts
 * const session = loader.load(playerId, os.clock()); // yields; the caller holds the player's lock
 * ```
 */
export class SessionLoader {
	constructor(
		private readonly ctx: ServiceContext,
		private readonly store: ProfileStore<object, unknown>,
		private readonly handoff: SessionHandoff,
		private readonly schemaVersion: number,
		/** Runs the consistency check of a freshly loaded session (checkConsistencyOnRead). */
		/** `inboxEmpty`: the inbox held no entry when the load took it (nothing there to check). */
		private readonly checkOnRead:
			| ((session: Session, inboxEmpty: boolean) => DataServiceError | undefined)
			| undefined,
		/** Adopts an existing game's data on first load (DataServiceConfig.adopt). */
		private readonly adoption: Adoption | undefined,
		/** The migration chain: version checks and migration on load. */
		private readonly migrations: ProfileMigrations,
		/** Field encryption's verdict on the stored profile (edited outside the library, older key). */
		private readonly integrity?: {
			problemOf(userId: number): string | undefined;
			takeRotated(userId: number): boolean;
		},
	) {}

	/** Loads and registers the player's session; throws `LoadFailed` or `InvalidData`. */
	load(playerId: number, startedAt: number, onlyIfFree = false): Session {
		const [ok, result] = pcall(() => this.loadNow(playerId, startedAt, onlyIfFree));
		this.ctx.sessions.setLoading(playerId, undefined);
		if (!ok) throw result;
		return result as Session;
	}

	private loadNow(playerId: number, startedAt: number, onlyIfFree: boolean): Session {
		const ctx = this.ctx;
		const profile = this.lockProfile(playerId, startedAt, onlyIfFree);
		// Held here from now on, before the session exists: a release request is answered after the load.
		ctx.sessions.setLoading(playerId, profile.MetaData.SessionLoadCount);
		// What was stored, put back before a refused load releases the profile, so it is saved untouched.
		const original = deepCopy(profile.Data as unknown as Record<string, unknown>);
		const fail = (kind: "LoadFailed" | "InvalidData" | "Quarantined", message: string): never => {
			const data = profile.Data as unknown as Record<string, unknown>;
			for (const [key] of pairs(data)) if (original[key as string] === undefined) delete data[key as string];
			for (const [key, value] of pairs(original)) data[key] = value;
			profile.Release();
			ctx.stats.loadFailures += 1;
			throw serviceError(kind, `player ${playerId}: ${message}`);
		};
		const tampered = this.integrity?.problemOf(playerId);
		if (tampered !== undefined) fail("InvalidData", tampered);
		profile.AddUserId(playerId);
		if (this.adoption !== undefined) {
			const adoption = this.adoption;
			const [adopted, err] = pcall(() => adoption.adopt(profile, playerId, this.schemaVersion));
			if (!adopted) {
				const e = toServiceError(err, "InvalidData");
				fail(e.kind === "LoadFailed" ? "LoadFailed" : "InvalidData", e.message);
			}
		}
		const stored = profile.Data;
		const shape = describeEnvelopeProblem(stored);
		if (shape !== undefined) fail("InvalidData", `the stored profile is not DataService's envelope: ${shape}`);
		if (stored.v > this.schemaVersion) {
			// Newer data is used as it is only when its version declares this code compatible; it keeps its
			// version (never downgraded), and anything else leaves it untouched.
			const [admitted, err] = pcall(() => this.migrations.admit(stored.v));
			if (!admitted) {
				const e = err as { kind?: string; message?: string };
				fail(
					e.kind === "StoreFailed" ? "LoadFailed" : "InvalidData",
					`its data is schema version ${stored.v}, newer than this server's ${this.schemaVersion}: ${e.message ?? tostring(err)}`,
				);
			}
		}
		const token = HttpService.GenerateGUID(false);
		const session: Session = { userId: playerId, token, profile, unsaved: 0, saveSeq: 0, appliedAt: new Map() };
		if (stored.v < this.schemaVersion) {
			if (!ctx.config.enableMigration) {
				fail("InvalidData", `its data is schema version ${stored.v} and enableMigration is off`);
			}
			const [migrated, err] = pcall(() => this.migrate(session));
			if (!migrated) {
				const e = toServiceError(err, "InvalidData");
				fail(e.kind === "LoadFailed" ? "LoadFailed" : "InvalidData", `migration failed: ${e.message}`);
			}
		}
		// Reconcile refills a deleted field from the template without a word: note what it fills first.
		const filled = templateFieldsMissing(stored.data, ctx.config.template);
		if (filled.size() > 0) session.reconciled = filled;
		profile.Reconcile();
		const problems = ctx.validator.problemsOf(stored.data);
		// With the check on load, the ConsistencyChecker repairs or quarantines such data below.
		if (problems.size() > 0 && this.checkOnRead === undefined) {
			const first = problems[0];
			fail(
				"InvalidData",
				`the stored data breaks the schema (${first.path === "" ? "(root)" : first.path}: ${first.message}); left untouched`,
			);
		}
		// From here on, a server that held the profile before can commit nothing more for this player.
		const [fenced, taken] = pcall(() => ctx.inboxes.takeForSession(playerId, token));
		if (!fenced) {
			fail(
				"LoadFailed",
				`its inbox could not be taken for this session: ${toServiceError(taken, "LoadFailed").message}`,
			);
		}
		ctx.sessions.add(session);
		profile.MetaTagsUpdated.Connect(() => ctx.saves.noteSave(session));
		// The inbox as the token write left it: the claim needs no read of its own.
		const [ok, err] = pcall(() => ctx.rooms.claims.claim(session, 0, taken as InboxDocument | undefined));
		if (!ok) ctx.warn(`inbox of ${playerId} not claimed: ${toServiceError(err, "LoadFailed").message}`);
		ctx.sessions.refreshView(session);
		if (this.checkOnRead !== undefined) {
			const inbox = taken as InboxDocument | undefined;
			const refusal = this.checkOnRead(
				session,
				inbox === undefined || inbox.e === undefined || next(inbox.e)[0] === undefined,
			);
			if (refusal !== undefined) {
				ctx.sessions.forget(session);
				fail(
					refusal.kind === "Quarantined" ? "Quarantined" : "InvalidData",
					refusal.message.gsub("^%[DataService%] ", "")[0],
				);
			}
		}
		// Sealed values under an older master key: saved now, re-encrypted under the current one.
		if (this.integrity?.takeRotated(playerId) === true) profile.Save();
		ctx.stats.loads += 1;
		const elapsed = os.clock() - startedAt;
		ctx.stats.averageLoadSeconds += (elapsed - ctx.stats.averageLoadSeconds) / ctx.stats.loads;
		return session;
	}

	/**
	 * Runs the chain from the stored version to the current one as one `migration` change (the history is
	 * checked first: an edited published step refuses the load, nothing runs).
	 */
	private migrate(session: Session): void {
		const [published, err] = pcall(() => this.migrations.tool.publishNow());
		if (!published) {
			const e = err as { kind?: string; message?: string };
			throw serviceError(e.kind === "StoreFailed" ? "LoadFailed" : "InvalidData", e.message ?? tostring(err));
		}
		this.ctx.pipeline.run(migrationPlan(session, this.migrations.tool));
	}

	/**
	 * The store's LoadProfileAsync: its claim takes a free lock at once (no read before it). A lock held by
	 * another server is waited for through {@link SessionHandoff}: a crashed holder's lock is stolen, a live
	 * holder that did not release in time is force-loaded. With `onlyIfFree` (an operator's offline act) a
	 * live holder is never asked to release: the load is refused `SessionLocked`.
	 */
	private lockProfile(playerId: number, startedAt: number, onlyIfFree: boolean): Profile<StoredProfile, unknown> {
		const ctx = this.ctx;
		const heldElsewhere = (): never => {
			ctx.stats.loadFailures += 1;
			throw serviceError("SessionLocked", `player ${playerId} is held by another server, which keeps it`);
		};
		// The handler gets the holder the claim found (and its load count from DataService's own store; a
		// ProfileService passes none, and the wait then reads the lock itself). A steal names that holder only:
		// the store's UpdateAsync then takes the lock only if that holder still has it, so two servers stealing
		// at once cannot both win (the second sees the first, alive, and waits for it).
		const handler = (_placeId: number, jobId: string, loadCount?: number) => {
			const seen = loadCount !== undefined ? { jobId, loadCount } : undefined;
			const outcome = this.handoff.wait(playerId, startedAt, !onlyIfFree, seen);
			if (outcome.kind === "held") return "Cancel";
			if (outcome.kind === "forceload") return "ForceLoad";
			if (outcome.kind === "steal" && outcome.holder === jobId) return "Steal";
			return "Repeat";
		};
		const profile = this.store.LoadProfileAsync(`Player_${playerId}`, handler) as
			| Profile<StoredProfile, unknown>
			| undefined;
		if (profile === undefined) {
			if (onlyIfFree) heldElsewhere();
			ctx.stats.loadFailures += 1;
			throw serviceError("LoadFailed", `player ${playerId}: the profile could not be loaded`);
		}
		return profile;
	}
}

/** What is wrong with a stored profile that is not DataService's envelope (a foreign or corrupt value). */
function describeEnvelopeProblem(stored: unknown): string | undefined {
	if (!typeIs(stored, "table")) return `expected a table, got ${typeOf(stored)}`;
	const s = stored as Partial<Record<keyof StoredProfile, unknown>>;
	if (!typeIs(s.v, "number") || s.v < 1 || s.v % 1 !== 0)
		return `field v (schema version) is ${typeOf(s.v)} ${tostring(s.v)}`;
	if (!typeIs(s.data, "table")) return `field data is ${typeOf(s.data)}`;
	if (!typeIs(s.applied, "table")) return `field applied is ${typeOf(s.applied)}`;
	if (!typeIs(s.seq, "number")) return `field seq is ${typeOf(s.seq)}`;
	return undefined;
}
