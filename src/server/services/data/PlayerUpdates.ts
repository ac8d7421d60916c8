import { deepCopy } from "shared/protocol/deepCopy";
import type { FieldChange } from "./ChangeValidator";
import { serviceError } from "./DataServiceError";
import type { UpdateContext } from "./DataServiceTypes";
import { noYield } from "./pipeline/noYield";
import type { ChangeKind } from "./pipeline/PipelineStage";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";

/** What a game passes to UpdatePlayerData: new values by top-level field, or a function of the current data. */
export type UpdateInput<T> = Partial<T> | ((data: T) => Partial<T> | undefined);

/** An update the pipeline applied (or `changed: false` when the function cancelled it). */
export interface AppliedUpdate<T> {
	readonly data: T;
	readonly changed: boolean;
	/** The save mark covering the change, for a durable wait. */
	readonly session: Session;
	readonly mark: number;
}

const MAX_PATH_LENGTH = 100;

function worthOf(before: unknown, after: unknown): number {
	if (typeIs(before, "number") && typeIs(after, "number")) return math.abs(after - before) + 1;
	return 1;
}

/**
 * The top-level field changes a table of new values (or a function's result) stands for; throws
 * `InvalidArgument` naming `what` when it is not a table keyed by field names.
 */
export function fieldChanges(changes: unknown, what: string): Array<FieldChange> {
	if (!typeIs(changes, "table"))
		throw serviceError("InvalidArgument", `${what} must be a table, got ${typeOf(changes)}`);
	const list = new Array<FieldChange>();
	for (const [key, value] of pairs(changes as object)) {
		if (!typeIs(key, "string")) {
			throw serviceError(
				"InvalidArgument",
				`${what}: keys must be field names (strings), got ${typeOf(key)} ${tostring(key)}`,
			);
		}
		list.push({ path: [key], value });
	}
	return list;
}

/**
 * Changes of one player's data by the game or a client: absolute values (last writer wins), a function of
 * the current data run under the player's lock (atomic: nothing can change the data between its read and
 * its write), or increments of numeric fields by path. Each is one change through the write pipeline.
 *
 * @example
 * ```ts
 * updates.update(id, (data) => ({ coins: data.coins + 10 }), { source: "timer" }, "update", os.clock());
 * ```
 */
export class PlayerUpdates {
	constructor(private readonly ctx: ServiceContext) {}

	/** See DataService.UpdatePlayerData. Runs inside an operation slot; the caller waits for a durable save. */
	update<T>(
		playerId: number,
		input: UpdateInput<T>,
		context: UpdateContext,
		kind: ChangeKind,
		startedAt: number,
	): AppliedUpdate<T> {
		const ctx = this.ctx;
		const functional = typeIs(input, "function");
		const given = functional ? undefined : fieldChanges(input, "changes");
		let session!: Session;
		const outcome = ctx.pipeline.run({
			kind,
			context,
			lock: [playerId],
			startedAt,
			durable: context.durable === true,
			prepare: () => {
				session = ctx.sessions.require(playerId);
				const target = session.profile.Data.data as Record<string, unknown>;
				let list = given;
				if (list === undefined) {
					const fn = input as (data: T) => Partial<T> | undefined;
					const copy = deepCopy(target) as unknown as T;
					const result = noYield("the update function", () => fn(copy));
					if (result === undefined) return undefined;
					list = fieldChanges(result, "the update function's result");
				}
				return [
					{
						session,
						changes: list,
						worth: list.reduce((w, c) => w + worthOf(target[c.path[0]], c.value), 0),
					},
				];
			},
		});
		if (outcome.applied) ctx.stats.updates += 1;
		const data = deepCopy(session.profile.Data.data) as unknown as T;
		const mark = outcome.applied ? outcome.marks[0].mark : 0;
		return { data, changed: outcome.applied, session, mark };
	}

	/** See DataService.IncrementPlayerData. */
	increment<T>(
		playerId: number,
		amounts: Record<string, number>,
		context: UpdateContext,
		startedAt: number,
	): AppliedUpdate<T> {
		if (!typeIs(amounts, "table")) {
			throw serviceError("InvalidArgument", `amounts must be a table, got ${typeOf(amounts)}`);
		}
		const paths = new Array<[Array<string>, number]>();
		for (const [path, amount] of pairs(amounts)) {
			if (!typeIs(path, "string") || path.size() > MAX_PATH_LENGTH || path === "") {
				throw serviceError("InvalidArgument", `amounts: ${typeOf(path)} ${tostring(path)} is not a field path`);
			}
			const segments = path.split(".");
			if (segments.some((s) => s === "")) {
				throw serviceError("InvalidArgument", `amounts: "${path}" has an empty segment`);
			}
			if (!typeIs(amount, "number") || amount !== amount || math.abs(amount) === math.huge) {
				throw serviceError(
					"InvalidArgument",
					`amounts.${path} must be a finite number, got ${typeOf(amount)} ${tostring(amount)}`,
				);
			}
			paths.push([segments, amount]);
		}
		return this.update<T>(
			playerId,
			(data) => {
				const changes: Record<string, unknown> = {};
				const copy = data as unknown as Record<string, unknown>;
				for (const [segments, amount] of paths) {
					let node = copy;
					for (let i = 0; i < segments.size() - 1; i++) {
						const child = node[segments[i]];
						if (child === undefined) node[segments[i]] = {};
						else if (!typeIs(child, "table")) {
							throw serviceError(
								"InvalidArgument",
								`${segments.join(".")} crosses ${typeOf(child)} ${segments[i]}`,
							);
						}
						node = node[segments[i]] as Record<string, unknown>;
					}
					const last = segments[segments.size() - 1];
					const current = node[last] ?? 0;
					if (!typeIs(current, "number")) {
						throw serviceError(
							"InvalidArgument",
							`${segments.join(".")} is ${typeOf(current)}, not a number`,
						);
					}
					node[last] = current + amount;
					changes[segments[0]] = copy[segments[0]];
				}
				return changes as Partial<T>;
			},
			context,
			context.durable === true ? "durableUpdate" : "update",
			startedAt,
		);
	}
}
