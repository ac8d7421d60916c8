import { Players } from "@rbxts/services";
import type { AuditQuery } from "shared/core/AuditLogger";
import { checkPayloadLimits, DEFAULT_GUARD_LIMITS, GuardLimits } from "shared/protocol/PayloadGuard";
import { TokenBucket } from "shared/protocol/TokenBucket";
import type { AdminApi, MassOperation } from "./AdminApi";
import { isAdminError } from "./AdminError";
import { AdminReply, AdminRequest, parseAdminRequest } from "./AdminRequest";

/** Options of an {@link AdminRemote}. */
export interface AdminRemoteOptions {
	readonly admin: AdminApi;
	/** Requests per second a client may send, sustained (default 5) and at once (default 20). */
	readonly rate?: number;
	readonly burst?: number;
	/** Size and depth limits of a payload (default the sync protocol's). */
	readonly limits?: GuardLimits;
	/** Seconds (default os.clock). */
	readonly clock?: () => number;
}

/** What the remote did, by outcome. */
export interface AdminRemoteStats {
	requests: number;
	/** Refused before reaching the admin API: over PayloadGuard's limits (or NaN), malformed, replayed, over the rate. */
	overLimits: number;
	malformed: number;
	replayed: number;
	rateLimited: number;
	/** Reached the admin API: answered with a result, or refused by it (Forbidden, InvalidArgument, ...). */
	served: number;
	refused: number;
	/** Errors the handler itself caught (bugs): the exploit spec requires 0. */
	serverErrors: number;
}

const QUERY_NUMBERS = ["from", "to", "limit"] as const;
const QUERY_STRINGS = ["cursor", "category", "type", "level"] as const;

/**
 * The optional admin remote for in-game panels. Every request is checked on the server: size and depth
 * (PayloadGuard's limits), shape, a per-client rate (TokenBucket), a request id that must grow (a replayed
 * or reordered request is refused), and then the admin API's own capability check with the sending Player
 * as the actor: a payload cannot name its actor or its roles. Transport-agnostic: `handle` takes the player
 * and payload; `bind` connects a RemoteFunction.
 *
 * @example
 * ```ts
 * const remote = new Instance("RemoteFunction");
 * remote.Name = "AdminPanel";
 * remote.Parent = ReplicatedStorage;
 * new AdminRemote({ admin }).bind(remote);
 * // client: remote.InvokeServer({ v: 1, id: 1, op: "view", target: 123 })
 * ```
 */
export class AdminRemote {
	private readonly buckets = new Map<number, TokenBucket>();
	private readonly lastIds = new Map<number, number>();
	private readonly clock: () => number;
	private readonly stats: AdminRemoteStats = {
		requests: 0,
		overLimits: 0,
		malformed: 0,
		replayed: 0,
		rateLimited: 0,
		served: 0,
		refused: 0,
		serverErrors: 0,
	};

	constructor(private readonly options: AdminRemoteOptions) {
		this.clock = options.clock ?? os.clock;
	}

	/**
	 * Answers `remote`'s invocations, and forgets a client's state when it leaves.
	 * @returns a function that disconnects it.
	 */
	bind(remote: RemoteFunction): () => void {
		remote.OnServerInvoke = (player, payload) => this.handle(player, payload);
		const leaving = Players.PlayerRemoving.Connect((player) => {
			this.buckets.delete(player.UserId);
			this.lastIds.delete(player.UserId);
		});
		return () => {
			remote.OnServerInvoke = undefined;
			leaving.Disconnect();
		};
	}

	/** A copy of the counters. */
	getStats(): AdminRemoteStats {
		return { ...this.stats };
	}

	/** Handles one request from `player`. Never throws: a reply always comes back. Yields. */
	handle(player: Player, payload: unknown): AdminReply {
		this.stats.requests += 1;
		const [ok, reply] = pcall(() => this.answer(player.UserId, payload));
		if (ok) return reply;
		this.stats.serverErrors += 1;
		warn(`[AdminRemote] error handling a request of ${player.UserId}: ${tostring(reply)}`);
		return { ok: false, kind: "Failed", message: "the server could not handle the request" };
	}

	private answer(actor: number, payload: unknown): AdminReply {
		let bucket = this.buckets.get(actor);
		if (bucket === undefined) {
			bucket = new TokenBucket(this.options.rate ?? 5, this.options.burst ?? 20, this.clock());
			this.buckets.set(actor, bucket);
		}
		if (!bucket.take(this.clock())) {
			this.stats.rateLimited += 1;
			return { ok: false, kind: "RateLimited", message: "too many admin requests" };
		}
		const problem = checkPayloadLimits(payload, this.options.limits ?? DEFAULT_GUARD_LIMITS);
		if (problem !== undefined) {
			this.stats.overLimits += 1;
			return { ok: false, kind: "InvalidArgument", message: `request ${problem.reason}: ${problem.detail}` };
		}
		const parsed = parseAdminRequest(payload);
		if (!parsed.ok) {
			this.stats.malformed += 1;
			return { ok: false, kind: "InvalidArgument", message: parsed.message };
		}
		const request = parsed.request;
		const last = this.lastIds.get(actor) ?? 0;
		if (request.id <= last) {
			this.stats.replayed += 1;
			return {
				ok: false,
				id: request.id,
				kind: "Replayed",
				message: `request id ${request.id} is not above ${last}`,
			};
		}
		this.lastIds.set(actor, request.id);
		const [done, result] = this.dispatch(actor, request).await();
		if (done) {
			this.stats.served += 1;
			return { ok: true, id: request.id, result };
		}
		if (!isAdminError(result)) error(result);
		this.stats.refused += 1;
		return { ok: false, id: request.id, kind: result.kind, message: result.message };
	}

	private dispatch(actor: number, request: AdminRequest): Promise<unknown> {
		const admin = this.options.admin;
		const target = request.target as number;
		const args = request.args;
		switch (request.op) {
			case "view":
				return admin.ViewPlayer(actor, target);
			case "edit":
				return admin.EditPlayer(actor, target, args.changes as Record<string, unknown>, args.reason as string);
			case "grant":
				return admin.GrantPlayer(actor, target, args.amounts as Record<string, number>, args.reason as string);
			case "restore":
				return admin.RestorePlayer(actor, target, args.time as number, { dryRun: args.dryRun === true });
			case "erase":
				return admin.ErasePlayer(actor, target, args.requestId as string);
			case "queryAudit":
				return admin.QueryAudit(actor, target, queryOf(args));
			case "exportAudit":
				return admin.ExportAudit(actor, target, queryOf(args));
			case "runHook":
				return admin.RunHook(actor, args.name as string, args.args);
			case "requestMass":
				return admin.RequestMassOperation(actor, args.operation as MassOperation);
			case "approveMass":
				return admin.ApproveMassOperation(actor, args.approval as string);
		}
	}
}

/** Only the query fields of the right types: the rest of a client's table never reaches the logger. */
function queryOf(args: Readonly<Record<string, unknown>>): AuditQuery {
	const query: Record<string, unknown> = {};
	for (const key of QUERY_NUMBERS) if (typeIs(args[key], "number")) query[key] = args[key];
	for (const key of QUERY_STRINGS) if (typeIs(args[key], "string")) query[key] = args[key];
	return query as AuditQuery;
}
