/** Where a document lives: a DataStore name, an optional scope, and a key. */
export interface KeyRef {
	readonly store: string;
	readonly key: string;
	readonly scope?: string;
}

/** "store/key" or "store/scope/key": how messages and queues name a key. */
export function describeKey(ref: KeyRef): string {
	return ref.scope !== undefined ? `${ref.store}/${ref.scope}/${ref.key}` : `${ref.store}/${ref.key}`;
}
