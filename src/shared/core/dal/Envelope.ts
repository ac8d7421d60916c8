import { canonicalJson, checksum } from "./Canonical";
import { dataError } from "./DataError";

/** How many recent write ids an envelope remembers, so a retried write never applies twice. */
export const WRITE_HISTORY = 16;

/** A transaction's pending change parked on a key until its record commits or aborts. */
export interface PendingChange {
	/** Transaction id (the key of its record). */
	readonly id: string;
	/** The data the key gets if the transaction commits (undefined removes nothing; it stores null). */
	readonly d: unknown;
	/** Checksum of `d`. */
	readonly c: string;
	/** When the transaction gives up if its record is still pending (Unix seconds). */
	readonly e: number;
	/** The DataStore holding its record, when not the layer's transaction store (an owner's own store). */
	readonly r?: string;
}

/**
 * What the DataAccessLayer stores under every key: the data plus what it needs to be trusted.
 * Field names are short because every character counts against the 4 MB limit.
 */
export interface Envelope {
	/** Schema version of `d` (migrations read it). */
	readonly s: number;
	/** Document version: 1 for the first write, +1 for every write after. */
	readonly n: number;
	/** Updated time, Unix seconds. */
	readonly t: number;
	/** Checksum of the canonical JSON of `d`. */
	readonly c: string;
	/** The data. */
	readonly d: unknown;
	/** Ids of the most recent writes, newest last. */
	readonly w: Array<string>;
	/** Highest fencing token that has written this key. */
	readonly f?: number;
	/** A transaction's pending change. */
	readonly x?: PendingChange;
}

/** A document as callers see it. */
export interface DataDocument<T> {
	readonly data: T;
	readonly version: number;
	readonly schemaVersion: number;
	/** Unix seconds of the last write. */
	readonly updatedAt: number;
}

/**
 * Seals new data into the envelope that follows `previous`. Throws a NotStorable DataError, naming the
 * path under `label`, when the data cannot be stored.
 */
export function seal(
	data: unknown,
	previous: Envelope | undefined,
	writeId: string,
	schemaVersion: number,
	now: number,
	fence?: number,
	label = "data",
): Envelope {
	const history = previous ? [...previous.w] : [];
	history.push(writeId);
	while (history.size() > WRITE_HISTORY) history.shift();
	const f = previous?.f;
	return {
		s: schemaVersion,
		n: (previous?.n ?? 0) + 1,
		t: now,
		c: checksum(canonicalJson(data, label)),
		d: data,
		w: history,
		f: fence !== undefined ? math.max(fence, f ?? fence) : f,
	};
}

function isEnvelope(raw: unknown): raw is Envelope {
	if (!typeIs(raw, "table")) return false;
	const e = raw as Envelope;
	return typeIs(e.n, "number") && typeIs(e.c, "string") && typeIs(e.s, "number") && typeIs(e.w, "table");
}

/**
 * Reads a stored value as an envelope. A value written by something else (not an envelope) is treated
 * as version 0, schema version 0, so existing games can adopt the layer and migrate. A checksum mismatch
 * throws `ChecksumMismatch`: corrupt data is reported, never silently used.
 */
export function open(raw: unknown, where: string): Envelope | undefined {
	if (raw === undefined) return undefined;
	if (!isEnvelope(raw)) {
		return { s: 0, n: 0, t: 0, c: checksum(canonicalJson(raw, where)), d: raw, w: [] };
	}
	const actual = checksum(canonicalJson(raw.d, where));
	if (actual !== raw.c) {
		throw dataError("ChecksumMismatch", `${where}: stored checksum ${raw.c} but the data hashes to ${actual}`);
	}
	return raw;
}

/** The caller's view of an envelope. */
export function toDocument<T>(envelope: Envelope): DataDocument<T> {
	return { data: envelope.d as T, version: envelope.n, schemaVersion: envelope.s, updatedAt: envelope.t };
}
