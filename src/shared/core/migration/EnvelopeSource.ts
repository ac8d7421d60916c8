import type { DataAccessLayer, DataStoreLike, Priority } from "../DataAccessLayer";
import { isDataError } from "../dal/DataError";
import type { KeyPage, MigrationSource, SourceDocument } from "./MigrationSource";

/** The DataStore method listing keys (reference/engine/classes/DataStore: ListKeysAsync). */
export interface KeyListingStore {
	ListKeysAsync(prefix?: string, pageSize?: number, cursor?: string, excludeDeleted?: boolean): DataStoreKeyPages;
}

/** The envelope fields a source reads: schema version `s` and data `d`. */
interface EnvelopeImage {
	readonly s: number;
	readonly d: unknown;
}

/**
 * DataAccessLayer documents as a {@link MigrationSource}: the schema version is the envelope's `s`, the
 * data its `d`; writes go through `updateNow`, so each carries a write id and a retried write never applies
 * twice. Keys are listed with ListKeysAsync (`prefix` filters them). `isHeld` says which keys a live session
 * holds (default: none).
 *
 * @example
 * ```ts
 * const source = new EnvelopeSource(dal, { store: "Inventories" }, { prefix: "inv_" });
 * ```
 */
export class EnvelopeSource implements MigrationSource {
	readonly name: string;
	private readonly priority: Priority;

	constructor(
		private readonly dal: DataAccessLayer,
		private readonly location: { readonly store: string; readonly scope?: string },
		private readonly options: {
			readonly prefix?: string;
			readonly isHeld?: (key: string) => boolean;
			readonly priority?: Priority;
		} = {},
	) {
		this.name = location.scope !== undefined ? `${location.store}/${location.scope}` : location.store;
		this.priority = options.priority ?? "background";
	}

	private ref(key: string) {
		return { store: this.location.store, scope: this.location.scope, key };
	}

	list(cursor: string | undefined, pageSize: number): KeyPage {
		return listKeys(this.dal, this.ref("list"), this.options.prefix ?? "", cursor, pageSize, this.priority);
	}

	read(key: string): SourceDocument | undefined {
		const doc = this.dal.read<unknown>(this.ref(key), { priority: this.priority }).expect();
		if (doc === undefined || !typeIs(doc.data, "table")) return undefined;
		return this.toDocument(key, { s: doc.schemaVersion, d: doc.data });
	}

	update(key: string, change: (current: SourceDocument | undefined) => object | undefined): void {
		// updateNow reads schemaVersion when it seals, after `change` ran: the version travels through it.
		const options = { priority: this.priority, schemaVersion: 1 };
		this.dal.updateNow<unknown>(
			this.ref(key),
			(data, document) => {
				const current =
					document !== undefined && typeIs(data, "table")
						? this.toDocument(key, { s: document.schemaVersion, d: data })
						: undefined;
				const image = change(current) as EnvelopeImage | undefined;
				if (image === undefined) return undefined;
				options.schemaVersion = image.s;
				return image.d;
			},
			options,
		);
	}

	withData(_current: SourceDocument, version: number, data: object): object {
		return { s: version, d: data } satisfies EnvelopeImage;
	}

	private toDocument(key: string, image: EnvelopeImage): SourceDocument {
		return {
			version: image.s,
			data: image.d as object,
			held: this.options.isHeld?.(key) ?? false,
			image,
		};
	}
}

/**
 * One page of ListKeysAsync through the DataAccessLayer's queue, budget (request type List) and retries.
 * Sent at normal priority whatever the batch's: the List budget (5 + 2 per player a minute) of a small
 * server never rises above the background reserve, and one request lists a whole page.
 * @internal
 */
export function listKeys(
	dal: DataAccessLayer,
	ref: { store: string; scope?: string; key: string },
	prefix: string,
	cursor: string | undefined,
	pageSize: number,
	priority: Priority,
): KeyPage {
	const listing: Priority = priority === "background" ? "normal" : priority;
	const store = dal.store(ref) as DataStoreLike & Partial<KeyListingStore>;
	if (store.ListKeysAsync === undefined)
		error("[DataMigrationTool] the data store cannot list keys (ListKeysAsync)", 0);
	return dal.request<KeyPage>({ ...ref, key: `list:${prefix}` }, Enum.DataStoreRequestType.ListAsync, listing, () => {
		const pages = store.ListKeysAsync!(prefix, pageSize, cursor ?? "");
		const keys = (pages.GetCurrentPage() as unknown as Array<DataStoreKey>).map((k) => k.KeyName);
		return { keys, cursor: pages.IsFinished ? undefined : pages.Cursor };
	});
}

/** @internal */
export function describeFailure(err: unknown): string {
	if (isDataError(err)) return `${err.kind}: ${err.message}`;
	if (typeIs(err, "table") && typeIs((err as { message?: unknown }).message, "string"))
		return (err as { message: string }).message;
	return tostring(err);
}
