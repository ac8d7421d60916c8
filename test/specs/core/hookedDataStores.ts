import { DataStoreService } from "@rbxts/services";
import type { DataStoreLike, DataStoreServiceLike } from "shared/core/DataAccessLayer";

/** Calls a spec makes around the DataStore requests of a {@link hookedDataStores} service. */
export interface DataStoreHooks {
	/** Before each GetAsync, with the store's name and the key. */
	readonly beforeGet?: (store: string, key: string) => void;
	/** Before each UpdateAsync. */
	readonly beforeUpdate?: (store: string, key: string) => void;
	/** After each UpdateAsync landed (yielding here forever is a server that died right after the write). */
	readonly afterUpdate?: (store: string, key: string) => void;
}

/**
 * The real DataStoreService with `hooks` called around its requests: a spec counts, fails, holds or
 * interleaves a layer's steps, or stops a server right after a given write.
 * @example
 * ```ts
 * const dal = new DataAccessLayer({ dataStoreService: hookedDataStores({ beforeGet: () => reads++ }) });
 * ```
 */
export function hookedDataStores(hooks: DataStoreHooks): DataStoreServiceLike {
	return {
		GetDataStore(name: string, scope?: string): DataStoreLike {
			const store = DataStoreService.GetDataStore(name, scope) as unknown as DataStoreLike;
			return {
				GetAsync(key, options) {
					hooks.beforeGet?.(name, key);
					return store.GetAsync(key, options);
				},
				UpdateAsync(key, transform) {
					hooks.beforeUpdate?.(name, key);
					const [value, info] = store.UpdateAsync(key, transform);
					hooks.afterUpdate?.(name, key);
					return $tuple(value, info);
				},
				RemoveAsync(key) {
					return store.RemoveAsync(key);
				},
			};
		},
		GetRequestBudgetForRequestType(requestType) {
			return DataStoreService.GetRequestBudgetForRequestType(requestType);
		},
	};
}
