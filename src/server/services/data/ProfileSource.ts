import type { DataAccessLayer, DataStoreLike, Priority } from "shared/core/DataAccessLayer";
import { listKeys } from "shared/core/migration/EnvelopeSource";
import type { KeyPage, MigrationSource, SourceDocument } from "shared/core/migration/MigrationSource";
import type { StoredProfile } from "./Session";

/** The part of ProfileService's stored value a migration reads (the rest is kept as it is). */
interface ProfileRecord {
	Data?: StoredProfile;
	MetaData?: { ActiveSession?: unknown };
}

/**
 * DataService's profiles as a {@link MigrationSource}: ProfileService's record under `Player_<id>` of the
 * profile store, read and written raw through the DataAccessLayer's queue (budget, retries) at background
 * priority. The version is the profile envelope's `v`, the data its `data`, and a profile whose
 * `MetaData.ActiveSession` is set is held by a live session (it migrates on load there). A write replaces
 * only `Data` and keeps the key's UserIds and metadata (UpdateAsync clears them otherwise).
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
		return documentOf(raw);
	}

	update(key: string, change: (current: SourceDocument | undefined) => object | undefined): void {
		const ref = this.ref(key);
		const store: DataStoreLike = this.dal.store(ref);
		this.dal.request(ref, Enum.DataStoreRequestType.UpdateAsync, this.priority, () =>
			store.UpdateAsync(key, (raw, keyInfo) => {
				const image = change(documentOf(raw));
				if (image === undefined) return undefined;
				const record = { ...(raw as ProfileRecord), Data: image as StoredProfile };
				// UpdateAsync keeps a key's UserIds and metadata only if the transform returns them (three values).
				// eslint-disable-next-line roblox-ts/no-user-defined-lua-tuple
				return $tuple(record, keyInfo?.GetUserIds() as Array<number> | undefined, keyInfo?.GetMetadata());
			}),
		);
	}

	withData(current: SourceDocument, version: number, data: object): object {
		return { ...(current.image as StoredProfile), v: version, data };
	}
}

function documentOf(raw: unknown): SourceDocument | undefined {
	if (!typeIs(raw, "table")) return undefined;
	const record = raw as ProfileRecord;
	const stored = record.Data;
	if (!typeIs(stored, "table") || !typeIs(stored.v, "number") || !typeIs(stored.data, "table")) return undefined;
	return {
		version: stored.v,
		data: stored.data,
		held: record.MetaData?.ActiveSession !== undefined,
		image: stored,
	};
}
