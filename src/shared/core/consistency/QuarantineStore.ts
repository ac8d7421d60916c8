import { HttpService } from "@rbxts/services";
import { deepCopy } from "shared/protocol/deepCopy";
import type { DataAccessLayer } from "../DataAccessLayer";
import { canonicalJson, checksum } from "../dal/Canonical";

/** One document put in quarantine. Its `data` is never overwritten; only `released`/`restored` are set. */
export interface QuarantineIncident {
	readonly id: string;
	/** Unix seconds. */
	readonly at: number;
	/** The DataStore version of the player's profile key when it was quarantined (its pin). */
	readonly version?: string;
	/** Why: the issues that had no fix. */
	readonly reasons: ReadonlyArray<string>;
	/** A checksum of the data, so the same document is quarantined once. */
	readonly hash: string;
	/** The quarantined data (non-finite numbers kept as the strings "nan", "inf", "-inf"). */
	readonly data: unknown;
	/** Unix seconds: released (the data may be loaded as it is again). */
	readonly released?: number;
	/** Unix seconds: put back into the player's profile. */
	readonly restored?: number;
}

/** The quarantine document of one player. */
export interface QuarantineRecord {
	readonly incidents: ReadonlyArray<QuarantineIncident>;
}

/** A copy of `value` a DataStore can hold: non-finite numbers become strings, other non-JSON values their type. */
function storable(value: unknown): unknown {
	if (typeIs(value, "number")) {
		if (value !== value) return "nan";
		if (value === math.huge) return "inf";
		if (value === -math.huge) return "-inf";
		return value;
	}
	if (typeIs(value, "string") || typeIs(value, "boolean")) return value;
	if (!typeIs(value, "table")) return `<${typeOf(value)}>`;
	const out: Record<string, unknown> = {};
	let array = true;
	let n = 0;
	for (const [key] of pairs(value as object)) {
		n += 1;
		if (!typeIs(key, "number")) array = false;
	}
	if (array && n === (value as Array<unknown>).size()) return (value as Array<defined>).map(storable);
	for (const [key, child] of pairs(value as object)) out[tostring(key)] = storable(child);
	return out;
}

/**
 * The checksum of a document, as the quarantine compares them.
 * @example
 * ```ts
 * const same = dataHash(a) === dataHash(b);
 * ```
 */
export function dataHash(data: unknown): string {
	return checksum(canonicalJson(storable(data)));
}

/**
 * The quarantine store: per player, the documents found beyond repair, each kept as it was (never
 * overwritten) with the DataStore version it was pinned at. Every request goes through the
 * DataAccessLayer at background priority.
 *
 * @example
 * ```ts
 * const quarantine = new QuarantineStore(dal, "DataService.Quarantine");
 * quarantine.add(123, data, "7", ["level: wrongType"]);
 * ```
 */
export class QuarantineStore {
	constructor(
		private readonly dal: DataAccessLayer,
		private readonly storeName: string,
	) {}

	/**
	 * Quarantines `data` (yields). The same data (by checksum) is quarantined once: an incident not yet
	 * released is returned as it is.
	 * @returns the incident; throws a DataError when the store refused the write.
	 */
	add(
		playerId: number,
		data: unknown,
		version: string | undefined,
		reasons: ReadonlyArray<string>,
	): QuarantineIncident {
		const hash = dataHash(data);
		let incident: QuarantineIncident | undefined;
		this.dal
			.update<QuarantineRecord>(
				this.ref(playerId),
				(current) => {
					const incidents = [...(current?.incidents ?? [])];
					incident = incidents.find((i) => i.hash === hash && i.released === undefined);
					if (incident !== undefined) return undefined;
					incident = {
						id: HttpService.GenerateGUID(false),
						at: this.dal.now(),
						version,
						reasons: [...reasons],
						hash,
						data: storable(deepCopy(data)),
					};
					incidents.push(incident);
					return { incidents };
				},
				{ priority: "background" },
			)
			.expect();
		return incident!;
	}

	/** A player's quarantine record (yields); undefined when they never had one. */
	read(playerId: number): QuarantineRecord | undefined {
		return this.dal.read<QuarantineRecord>(this.ref(playerId), { priority: "background", useCache: false }).expect()
			?.data;
	}

	/** Whether `data` matches an incident that was released (it may be loaded as it is). Yields. */
	isReleased(playerId: number, data: unknown): boolean {
		const hash = dataHash(data);
		return this.read(playerId)?.incidents.some((i) => i.hash === hash && i.released !== undefined) ?? false;
	}

	/**
	 * Marks an incident released (and restored when `restored`), leaving its data as it was. Yields.
	 * @returns the incident; throws when the player has no such incident.
	 */
	mark(playerId: number, incidentId: string, restored: boolean): QuarantineIncident {
		let found: QuarantineIncident | undefined;
		this.dal
			.update<QuarantineRecord>(
				this.ref(playerId),
				(current) => {
					const incidents = (current?.incidents ?? []).map((i) => {
						if (i.id !== incidentId) return i;
						const now = this.dal.now();
						found = { ...i, released: i.released ?? now, restored: restored ? now : i.restored };
						return found;
					});
					return found !== undefined ? { incidents } : undefined;
				},
				{ priority: "background" },
			)
			.expect();
		if (found === undefined) error(`player ${playerId} has no quarantine incident ${incidentId}`, 2);
		return found;
	}

	private ref(playerId: number) {
		return { store: this.storeName, key: tostring(playerId) };
	}
}
