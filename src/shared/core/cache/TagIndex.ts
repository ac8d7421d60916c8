/**
 * Which keys carry which tag, so invalidating a tag costs time proportional to the keys it names.
 * @example
 * ```ts
 * const index = new TagIndex();
 * index.add("profile:1", ["player:1"]);
 * index.take("player:1"); // Set { "profile:1" }
 * ```
 * @internal
 */
export class TagIndex {
	private readonly keysByTag = new Map<string, Set<string>>();

	/** Records that `key` carries each of `tags`. */
	add(key: string, tags: ReadonlyArray<string>) {
		for (const tag of tags) {
			let keys = this.keysByTag.get(tag);
			if (!keys) {
				keys = new Set();
				this.keysByTag.set(tag, keys);
			}
			keys.add(key);
		}
	}

	/** Forgets that `key` carries `tags`. */
	remove(key: string, tags: ReadonlyArray<string>) {
		for (const tag of tags) {
			const keys = this.keysByTag.get(tag);
			if (keys) {
				keys.delete(key);
				if (next(keys)[0] === undefined) this.keysByTag.delete(tag);
			}
		}
	}

	/** Removes `tag` and returns the keys that carried it (empty when none). */
	take(tag: string): ReadonlySet<string> {
		const keys = this.keysByTag.get(tag);
		if (!keys) return new Set();
		this.keysByTag.delete(tag);
		return keys;
	}

	clear() {
		this.keysByTag.clear();
	}
}
