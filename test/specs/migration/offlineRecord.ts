/**
 * What ProfileService stores under a key nobody holds (no `MetaData.ActiveSession`), with DataService's
 * envelope as its Data: specs and benches write these directly to stand for offline players.
 * @example
 * ```ts
 * store.SetAsync("Player_5", offlineRecord({ v: 1, data: { coins: 5 }, applied: {}, seq: 0 }));
 * ```
 */
export function offlineRecord(data: { v: number; data: object; applied: object; seq: number }): object {
	return {
		Data: data,
		MetaData: { ProfileCreateTime: 0, SessionLoadCount: 1, MetaTags: {} },
		GlobalUpdates: [0, []],
	};
}
