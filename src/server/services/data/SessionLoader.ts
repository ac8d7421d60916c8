import type { Profile, ProfileStore } from "@rbxts/profileservice/globals";
import { HttpService } from "@rbxts/services";
import { deepCopy } from "shared/protocol/deepCopy";
import { serviceError } from "./DataServiceError";
import type { Adoption } from "./Adoption";
import type { InboxDocument } from "./Inbox";
import type { ReleaseMessaging } from "./ReleaseMessaging";
import type { ServerPresence } from "./ServerPresence";
import type { ServiceContext } from "./ServiceContext";
import type { Session, StoredProfile } from "./Session";
import { toServiceError } from "./TransferResults";

/**
 * Loads a player's profile into a {@link Session}: takes ProfileService's session lock (asking a holder on
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
		private readonly messaging: ReleaseMessaging,
		private readonly presence: ServerPresence,
		private readonly schemaVersion: number,
		/** Runs the consistency check of a freshly loaded session (checkConsistencyOnRead). */
		private readonly checkOnRead?: (session: Session) => string | undefined,
		/** Adopts an existing game's data on first load (DataServiceConfig.adopt). */
		private readonly adoption?: Adoption,
	) {}

	/** Loads and registers the player's session; throws `LoadFailed` or `InvalidData`. */
	load(playerId: number, startedAt: number): Session {
		const ctx = this.ctx;
		const profile = this.lockProfile(playerId, startedAt);
		// What was stored, put back before a refused load releases the profile, so it is saved untouched.
		const original = deepCopy(profile.Data as unknown as Record<string, unknown>);
		const fail = (kind: "LoadFailed" | "InvalidData", message: string): never => {
			const data = profile.Data as unknown as Record<string, unknown>;
			for (const [key] of pairs(data)) if (original[key as string] === undefined) delete data[key as string];
			for (const [key, value] of pairs(original)) data[key] = value;
			profile.Release();
			ctx.stats.loadFailures += 1;
			throw serviceError(kind, `player ${playerId}: ${message}`);
		};
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
			fail(
				"InvalidData",
				`its data is schema version ${stored.v}, newer than this server's ${this.schemaVersion}`,
			);
		}
		const token = HttpService.GenerateGUID(false);
		const session: Session = { userId: playerId, token, profile, unsaved: 0, saveSeq: 0, appliedAt: new Map() };
		if (stored.v < this.schemaVersion) {
			if (!ctx.config.enableMigration) {
				fail("InvalidData", `its data is schema version ${stored.v} and enableMigration is off`);
			}
			const [migrated, err] = pcall(() => this.migrate(session));
			if (!migrated) fail("InvalidData", `migration failed: ${toServiceError(err, "InvalidData").message}`);
		}
		profile.Reconcile();
		const problems = ctx.validator.problemsOf(stored.data);
		if (problems.size() > 0) {
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
		ctx.sessions.cacheData(session);
		if (this.checkOnRead !== undefined) {
			const problem = this.checkOnRead(session);
			if (problem !== undefined) {
				ctx.sessions.forget(session);
				fail("InvalidData", `the consistency check on load found: ${problem}`);
			}
		}
		ctx.stats.loads += 1;
		const elapsed = os.clock() - startedAt;
		ctx.stats.averageLoadSeconds += (elapsed - ctx.stats.averageLoadSeconds) / ctx.stats.loads;
		return session;
	}

	/** Runs the migrations from the stored version to the current one, as one `migration` change. */
	private migrate(session: Session): void {
		const ctx = this.ctx;
		const stored = session.profile.Data;
		const from = stored.v;
		ctx.pipeline.run({
			kind: "migration",
			context: { source: "migration", from, to: this.schemaVersion },
			lock: [session.userId],
			refusable: false,
			what: "migration",
			prepare: () => {
				// A copy: a migration that edits its argument must not touch what a refused load leaves stored.
				let data = deepCopy(stored.data);
				for (let v = from; v < this.schemaVersion; v++) data = ctx.config.migrations[v - 1](data);
				return [{ session, after: data, worth: 1 }];
			},
			write: (sides) => {
				stored.data = sides[0].after!;
				stored.v = this.schemaVersion;
				return undefined;
			},
		});
	}

	/** ProfileService's LoadProfileAsync with release requests, takeover of crashed holders and ForceLoad. */
	private lockProfile(playerId: number, startedAt: number): Profile<StoredProfile, unknown> {
		const ctx = this.ctx;
		let requests = 0;
		let acked = false;
		const profile = this.store.LoadProfileAsync(`Player_${playerId}`, (_placeId, jobId) => {
			// Called each time the profile is found locked by another session. The handoff is bounded by
			// releaseTimeout, then ForceLoad (the holder releases at its next auto-save), not operationTimeout.
			while (!acked && requests < ctx.config.releaseRequests) {
				this.messaging.requestRelease(playerId, requests === 0);
				ctx.stats.releaseRequestsSent += 1;
				requests += 1;
				const askedAt = os.clock();
				while (os.clock() - askedAt < ctx.config.ackTimeout) {
					if (this.messaging.answered(playerId)) {
						acked = true;
						ctx.stats.releaseRequestsAnswered += 1;
						break;
					}
					task.wait(0.1);
				}
			}
			// Nobody answered: watch the holder's heartbeat until it expires (a crash: take its session over
			// at once) or the release timeout passes (a live holder whose answers were lost: ForceLoad).
			while (!acked && os.clock() - startedAt <= ctx.config.releaseTimeout) {
				if (this.presence.isAlive(jobId) === false) {
					ctx.stats.takeovers += 1;
					ctx.warn(`player ${playerId}: holder ${jobId} is dead; taking its session over`);
					ctx.audit.security("sessionSteal", [playerId], { holder: jobId });
					return "Steal";
				}
				task.wait(1);
			}
			if (os.clock() - startedAt > ctx.config.releaseTimeout) {
				// A live holder that did not release in time (or whose answers were lost): ForceLoad makes it
				// save and release at its next auto-save; never Steal from a live server (two holders).
				ctx.stats.takeovers += 1;
				ctx.audit.security("forceLoad", [playerId], { holder: jobId });
				return "ForceLoad";
			}
			task.wait(acked ? 0.5 : 1);
			return "Repeat";
		}) as Profile<StoredProfile, unknown> | undefined;
		if (profile === undefined) {
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
