import type { MigrationErrorKind } from "./MigrationError";

/** One stored document as a batch migration sees it. */
export interface SourceDocument {
	/** Schema version of `data`. */
	readonly version: number;
	readonly data: object;
	/** Held by a live session (it migrates on load instead: the batch defers it). */
	readonly held: boolean;
	/**
	 * Everything a rollback puts back (the whole envelope around the data, not only the data): compared and
	 * restored byte for byte.
	 */
	readonly image: object;
	/**
	 * Why the document must be left as it is (for example its HMAC does not match: it was edited outside the
	 * library): the batch reports it in `failed` with this kind and message and never writes it.
	 */
	readonly refused?: { readonly kind: MigrationErrorKind; readonly message: string };
}

/** A page of keys. */
export interface KeyPage {
	readonly keys: ReadonlyArray<string>;
	/** Where the next page starts; undefined after the last page. */
	readonly cursor?: string;
}

/**
 * Where a batch migration reads and writes documents: DataAccessLayer envelopes
 * ({@link EnvelopeSource}) or DataService's ProfileService profiles (DataService's own source). Every method
 * yields and goes through the DataAccessLayer's queue at the priority the source was built with, so a batch
 * is paced within the server's budget.
 */
export interface MigrationSource {
	/** Names the documents in run records ("PlayerData", "Inventories/global"). */
	readonly name: string;
	/** One page of keys from `cursor` (undefined for the first). */
	list(cursor: string | undefined, pageSize: number): KeyPage;
	/** The document now (past any cache), or undefined when the key is empty or not a document. */
	read(key: string): SourceDocument | undefined;
	/**
	 * One atomic read-modify-write: `change` gets the document as stored and returns the image to store, or
	 * undefined to write nothing. It may run more than once and must not yield.
	 */
	update(key: string, change: (current: SourceDocument | undefined) => object | undefined): void;
	/**
	 * The image of `current` (read from `key`) with its data and version replaced: what `update` stores. May
	 * yield (it runs outside any transform), for example to seal encrypted fields.
	 */
	withData(current: SourceDocument, version: number, data: object, key: string): object;
}
