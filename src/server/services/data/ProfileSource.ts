import type { DataAccessLayer, DataStoreLike, Priority } from "shared/core/DataAccessLayer";
import { listKeys } from "shared/core/migration/EnvelopeSource";
import type { KeyPage, MigrationSource, SourceDocument } from "shared/core/migration/MigrationSource";
import type { DocumentMac } from "shared/core/security/FieldEncryption";
import type { SealedProfiles } from "./SealedProfiles";
import type { StoredProfile } from "./Session";

/** The part of ProfileService's stored value a migration reads (the rest is kept as it is). */
interface ProfileRecord {
	Data?: StoredProfile;
	/** The envelope's HMAC, written by field encryption (SealedProfiles). */
	DataMac?: DocumentMac;
	MetaData?: { ActiveSession?: unknown };
}

/** With field encryption, what a run compares and restores: the envelope as stored (sealed) and its HMAC. */
interface SealedImage {
	readonly Data: StoredProfile;
	readonly DataMac?: DocumentMac;
}

/**
 * DataService's profiles as a {@link MigrationSource}: ProfileService's record under `Player_<id>` of the
 * profile store, read and written raw through the DataAccessLayer's queue (budget, retries) at background
 * priority. The version is the profile envelope's `v`, the data its `data`, and a profile whose
 * `MetaData.ActiveSession` is set is held by a live session (it migrates on load there). A write replaces
 * only `Data` and keeps the key's UserIds and metadata (UpdateAsync clears them otherwise).
 *
 * With field encryption (`sealed`), steps see plaintext: a read opens the sealed fields after checking the
 * envelope's HMAC, and the migrated envelope is sealed and signed again before it is written, so the
 * profile loads afterwards with a valid HMAC. The image a run compares and restores is the envelope as
 * stored with its HMAC (a rollback puts both back byte for byte). A profile whose HMAC does not match or
 * whose sealed fields do not open is refused (`Unreadable`) and left as it is; without `sealed`, so is a
 * profile that carries an HMAC (written with field encryption this DataService lacks).
 *
 * @example
 * ```ts
 * const source = new ProfileSource(dal, "PlayerData");
 * ```
 */
export class ProfileSource implements MigrationSource {
	readonly name: string;

	constructor(
		private readonly dal: DataAccessLayer,
		private readonly storeName: string,
		private readonly priority: Priority = "background",
		private readonly sealed?: SealedProfiles,
	) {
		this.name = storeName;
	}

	private ref(key: string) {
		return { store: this.storeName, key };
	}

	list(cursor: string | undefined, pageSize: number): KeyPage {
		return listKeys(this.dal, this.ref("list"), "Player_", cursor, pageSize, this.priority);
	}

	read(key: string): SourceDocument | undefined {
		const ref = this.ref(key);
		const store = this.dal.store(ref);
		const raw = this.dal.request(ref, Enum.DataStoreRequestType.GetAsync, this.priority, () => {
			const options = new Instance("DataStoreGetOptions");
			options.UseCache = false;
			return store.GetAsync(key, options)[0];
		});
		return this.documentOf(key, raw);
	}

	update(key: string, change: (current: SourceDocument | undefined) => object | undefined): void {
		const ref = this.ref(key);
		const store: DataStoreLike = this.dal.store(ref);
		// The transform opens the stored record and must not yield: the player's secret is loaded first.
		this.sealed?.prepareKey(key);
		this.dal.request(ref, Enum.DataStoreRequestType.UpdateAsync, this.priority, () =>
			store.UpdateAsync(key, (raw, keyInfo) => {
				const image = change(this.documentOf(key, raw));
				if (image === undefined) return undefined;
				const record: ProfileRecord = { ...(raw as ProfileRecord), Data: image as StoredProfile };
				if (this.sealed !== undefined) {
					record.Data = (image as SealedImage).Data;
					record.DataMac = (image as SealedImage).DataMac;
				}
				// UpdateAsync keeps a key's UserIds and metadata only if the transform returns them (three values).
				// eslint-disable-next-line roblox-ts/no-user-defined-lua-tuple
				return $tuple(record, keyInfo?.GetUserIds() as Array<number> | undefined, keyInfo?.GetMetadata());
			}),
		);
	}

	withData(current: SourceDocument, version: number, data: object, key: string): object {
		if (this.sealed === undefined) return { ...(current.image as StoredProfile), v: version, data };
		const envelope: StoredProfile = { ...(current.image as SealedImage).Data, v: version, data };
		return this.sealed.sealForMigration(key, envelope);
	}

	/** The stored record as a document; opened when encrypted (yields for the player's secret on first use). */
	private documentOf(key: string, raw: unknown): SourceDocument | undefined {
		if (!typeIs(raw, "table")) return undefined;
		const record = raw as ProfileRecord;
		const stored = record.Data;
		if (!typeIs(stored, "table") || !typeIs(stored.v, "number") || !typeIs(stored.data, "table")) return undefined;
		const held = record.MetaData?.ActiveSession !== undefined;
		if (this.sealed === undefined) {
			const refused =
				record.DataMac !== undefined
					? {
							kind: "Unreadable" as const,
							message:
								"the profile carries an HMAC (DataMac): it was written with fieldEncryption, which this DataService lacks",
						}
					: undefined;
			return { version: stored.v, data: stored.data, held, image: stored, refused };
		}
		const opened = this.sealed.openForMigration(key, record);
		const image: SealedImage = { Data: stored, DataMac: record.DataMac };
		return {
			version: stored.v,
			data: opened.data ?? stored.data,
			held,
			image,
			refused: opened.refused !== undefined ? { kind: "Unreadable", message: opened.refused } : undefined,
		};
	}
}
