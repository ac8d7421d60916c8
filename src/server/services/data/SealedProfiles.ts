/* eslint-disable roblox-ts/no-user-defined-lua-tuple -- a DataStore stand-in must return what UpdateAsync and
   GetAsync return (value, keyInfo) and pass a transform's (value, userIds, metadata) through. */
import type { ProfileStore } from "@rbxts/profileservice/globals";
import type { AuditEvent } from "shared/core/AuditLogger";
import type { DocumentMac, FieldEncryption } from "shared/core/security/FieldEncryption";

type Transform = (this: void, current: unknown, keyInfo: unknown) => LuaTuple<[unknown, unknown?, unknown?]>;
type Method = (this: void, self: unknown, ...args: Array<unknown>) => LuaTuple<Array<unknown>>;

/** A profile as ProfileService stores it: our envelope under `Data`, and the envelope's HMAC beside it. */
interface StoredValue {
	Data?: { data?: object } & Record<string, unknown>;
	DataMac?: DocumentMac;
	[other: string]: unknown;
}

function userIdOf(key: unknown): number | undefined {
	if (!typeIs(key, "string")) return undefined;
	const [digits] = key.match("^Player_(%d+)$");
	return digits !== undefined ? tonumber(digits) : undefined;
}

/** True when any value below `value` is in the sealed form. */
function holdsSealed(fields: FieldEncryption, value: unknown, depth = 0): boolean {
	if (fields.isSealed(value)) return true;
	if (!typeIs(value, "table") || depth > 64) return false;
	for (const [, child] of pairs(value as object)) if (holdsSealed(fields, child, depth + 1)) return true;
	return false;
}

/**
 * Field encryption at the DataStore boundary of ProfileService: the stored profile holds the sensitive fields
 * sealed and an HMAC-SHA256 of the whole envelope (`DataMac`), while ProfileService, DataService and the
 * game see plaintext in memory. ProfileService saves `profile.Data` as it is and has no hook before a save,
 * so the profile store's DataStore (`_global_data_store`, the one field of ProfileService this relies on:
 * a spec fails if it changes) is wrapped: each UpdateAsync opens the stored value before ProfileService's
 * transform and seals what it returns; GetAsync and GetVersionAsync open what they read.
 *
 * A document whose HMAC does not match was edited outside the library (a DataStore editor, a leaked Open
 * Cloud key): its load is refused, the event audited, and its saves keep a tamper mark instead of a fresh
 * HMAC (a refused load must not launder the edit) until {@link accept} is called for it.
 *
 * @example
 * ```ts
 * const sealed = new SealedProfiles(fields, audit);
 * sealed.wrap(profileStore); // before the first LoadProfileAsync
 * ```
 */
export class SealedProfiles {
	private readonly tampered = new Map<number, string>();
	private readonly rotated = new Set<number>();
	private readonly accepting = new Set<number>();
	private wrapped?: object;

	constructor(
		private readonly fields: FieldEncryption,
		private readonly audit?: { Log(this: unknown, event: AuditEvent): void },
	) {}

	/**
	 * Wraps the DataStore of a profile store: DataService's own (its `wrapDataStore`), or ProfileService's.
	 * Throws when ProfileService's layout changed.
	 */
	wrap(store: ProfileStore<object, unknown>): void {
		const own = store as unknown as { wrapDataStore?(wrap: (inner: object) => object): void };
		if (typeIs(own.wrapDataStore, "function")) {
			own.wrapDataStore((inner) => this.wrapDataStore(inner));
			return;
		}
		const raw = store as unknown as { _global_data_store?: object };
		if (!typeIs(raw._global_data_store, "table") && !typeIs(raw._global_data_store, "userdata")) {
			error("[DataService] fieldEncryption: ProfileService's profile store has no _global_data_store to wrap", 0);
		}
		raw._global_data_store = this.wrapDataStore(raw._global_data_store as object);
	}

	/** A DataStore whose player profiles are sealed on write and opened on read; other calls pass through. */
	wrapDataStore(inner: object): object {
		const call = (name: string, ...args: Array<unknown>) =>
			((inner as Record<string, Method>)[name] as Method)(inner, ...args);
		const wrapper: Record<string, unknown> = {
			UpdateAsync: (_self: unknown, key: string, transform: Transform) => {
				const userId = userIdOf(key);
				if (userId === undefined) return call("UpdateAsync", key, transform);
				this.fields.prepare(userId, true);
				const [value, info] = call("UpdateAsync", key, (current: unknown, keyInfo: unknown) => {
					const [out, ids, meta] = transform(this.open(userId, current), keyInfo);
					if (out === undefined) return $tuple(undefined);
					return $tuple(this.seal(userId, out), ids, meta);
				});
				return $tuple(this.open(userId, value), info);
			},
			GetAsync: (_self: unknown, key: string, ...rest: Array<unknown>) => this.read("GetAsync", call, key, rest),
			GetVersionAsync: (_self: unknown, key: string, ...rest: Array<unknown>) =>
				this.read("GetVersionAsync", call, key, rest),
		};
		this.wrapped = wrapper;
		return setmetatable(wrapper, {
			__index: (_, name) => {
				const member = (inner as Record<string, unknown>)[name as string];
				return typeIs(member, "function")
					? (_self: unknown, ...args: Array<unknown>) => (member as Method)(inner, ...args)
					: member;
			},
		});
	}

	/** The stored value of a profile read outside ProfileService (views), opened. Yields. */
	openStored(key: string, value: unknown): unknown {
		const userId = userIdOf(key);
		if (userId === undefined) return value;
		this.fields.prepare(userId, false);
		return this.open(userId, value);
	}

	/** Why a loaded player's profile must be refused (edited outside the library), if it must. */
	problemOf(userId: number): string | undefined {
		const reason = this.tampered.get(userId);
		return reason !== undefined ? `the stored profile was edited outside the library (${reason})` : undefined;
	}

	/** True once per load whose sealed values were under an older master key (save now to re-encrypt). */
	takeRotated(userId: number): boolean {
		return this.rotated.delete(userId);
	}

	/**
	 * Accepts a profile edited outside the library as it is now (an admin's decision, e.g. an edit made on
	 * purpose through Open Cloud): signs the stored document again in one UpdateAsync. Yields.
	 */
	accept(userId: number): void {
		const store = this.wrapped as Record<string, Method> | undefined;
		if (store === undefined) error("[DataService] fieldEncryption: no profile store wrapped yet", 0);
		this.tampered.delete(userId);
		this.accepting.add(userId);
		const [ok, err] = pcall(() =>
			store.UpdateAsync(store, `Player_${userId}`, (current: unknown, info: unknown) => {
				const keyInfo = info as DataStoreKeyInfo | undefined;
				return $tuple(current, keyInfo?.GetUserIds(), keyInfo?.GetMetadata());
			}),
		);
		this.accepting.delete(userId);
		if (!ok) error(err, 0);
	}

	/**
	 * A stored profile record opened for an offline batch migration, which reads and writes the raw record
	 * outside ProfileService (and outside the wrapper): its envelope's data with the sealed fields opened, or
	 * why it must be left as it is: its HMAC does not match (migrating would sign the outside edit) or a
	 * sealed field does not open (migrating would drop it). Records nothing for later loads (no tamper mark,
	 * no rotation). Yields only to load the player's secret: call it once outside a DataStore transform
	 * before calling it inside one.
	 */
	openForMigration(
		key: string,
		record: { Data?: unknown; DataMac?: DocumentMac },
	): {
		data?: object;
		refused?: string;
	} {
		const stored = record.Data as StoredValue["Data"];
		const userId = userIdOf(key);
		if (userId === undefined || !typeIs(stored, "table") || !typeIs(stored.data, "table")) return {};
		this.prepareKey(key);
		const legacy = record.DataMac === undefined && !holdsSealed(this.fields, stored);
		if (legacy) return { data: stored.data };
		if (!this.fields.verifyDocument(stored, record.DataMac)) {
			return { refused: `its HMAC does not match (${record.DataMac?.t ?? "edited outside the library"})` };
		}
		const opened = this.fields.openData(userId, stored.data);
		if (opened.lost.size() > 0) {
			return { refused: `sealed field(s) ${opened.lost.join(", ")} do not open (key erased or not in the ring)` };
		}
		return { data: opened.data };
	}

	/** Loads the secret of the player whose profile key this is (yields once), so transforms need not. */
	prepareKey(key: string): void {
		const userId = userIdOf(key);
		if (userId !== undefined) this.fields.prepare(userId, false);
	}

	/**
	 * A profile envelope (plaintext) as a save stores it: `Data` with its sensitive fields sealed under the
	 * current master key, and `DataMac` over it. Yields to load or create the player's secret.
	 */
	sealForMigration(key: string, envelope: { data?: object } & object): { Data: object; DataMac: DocumentMac } {
		const userId = userIdOf(key);
		if (userId === undefined) error(`[DataService] fieldEncryption: ${key} is not a player's profile key`, 0);
		this.fields.prepare(userId, true);
		const Data = typeIs(envelope.data, "table")
			? { ...envelope, data: this.fields.sealData(userId, envelope.data) }
			: envelope;
		return { Data, DataMac: this.fields.signDocument(Data) };
	}

	private read(
		name: string,
		call: (name: string, ...args: Array<unknown>) => LuaTuple<Array<unknown>>,
		key: string,
		rest: Array<unknown>,
	) {
		const userId = userIdOf(key);
		if (userId !== undefined) this.fields.prepare(userId, false);
		const [value, info] = call(name, key, ...rest);
		return $tuple(userId !== undefined ? this.open(userId, value) : value, info);
	}

	private open(userId: number, value: unknown): unknown {
		if (!typeIs(value, "table")) return value;
		const stored = value as StoredValue;
		if (!typeIs(stored.Data, "table")) return value;
		const mac = stored.DataMac;
		// A document written before encryption was turned on has neither MAC nor sealed values (unless the
		// game says every profile was signed: then a missing MAC is a stripped one).
		const legacy = mac === undefined && !this.fields.refusesUnsigned() && !holdsSealed(this.fields, stored.Data);
		if (!legacy && !this.accepting.has(userId) && !this.fields.verifyDocument(stored.Data, mac)) {
			const reason = mac === undefined ? "it carries no HMAC" : (mac.t ?? "its HMAC does not match");
			if (!this.tampered.has(userId)) {
				this.audit?.Log({
					category: "security",
					type: "documentEdited",
					level: "critical",
					players: [userId],
					message: `profile of ${userId}: ${reason}`,
				});
			}
			this.tampered.set(userId, reason);
		}
		const copy = { ...stored };
		delete copy.DataMac;
		if (typeIs(stored.Data.data, "table")) {
			const opened = this.fields.openData(userId, stored.Data.data);
			if (opened.rotated > 0) this.rotated.add(userId);
			copy.Data = { ...stored.Data, data: opened.data };
		}
		return copy;
	}

	private seal(userId: number, value: unknown): unknown {
		if (!typeIs(value, "table")) return value;
		const stored = value as StoredValue;
		if (!typeIs(stored.Data, "table")) return value;
		const copy = { ...stored };
		if (typeIs(stored.Data.data, "table")) {
			copy.Data = { ...stored.Data, data: this.fields.sealData(userId, stored.Data.data) };
		}
		const mark = this.tampered.get(userId);
		copy.DataMac = mark !== undefined ? { t: mark } : this.fields.signDocument(copy.Data);
		return copy;
	}
}
