import { CacheError } from "shared/core/cache/CacheError";

/** Runs `fn`, which must throw a CacheError, and returns it. */
export function catchCacheError(fn: () => unknown): CacheError {
	const [ok, err] = pcall(fn);
	if (ok) error("expected a CacheError, but nothing was thrown");
	if (!(err instanceof CacheError)) error(`expected a CacheError, got ${tostring(err)}`);
	return err;
}

/** Deep equality of plain data: same keys, same values, recursively. */
export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!typeIs(a, "table") || !typeIs(b, "table")) return false;
	for (const [k, v] of pairs(a as Record<string, unknown>)) {
		if (!deepEqual(v, (b as Record<string, unknown>)[k])) return false;
	}
	for (const [k] of pairs(b as Record<string, unknown>)) {
		if ((a as Record<string, unknown>)[k] === undefined) return false;
	}
	return true;
}

/** A player profile shaped like the ones games store: currencies, an inventory, quests, settings. */
export function makeProfile(userId: number, random: Random, items = 40) {
	const inventory = new Array<{
		id: string;
		kind: string;
		level: number;
		equipped: boolean;
		acquiredAt: number;
	}>();
	const kinds = ["sword", "shield", "potion", "helmet", "boots", "ring", "pet", "bow"];
	for (let i = 1; i <= items; i++) {
		inventory.push({
			id: `item_${userId}_${i}`,
			kind: kinds[random.NextInteger(0, kinds.size() - 1)],
			level: random.NextInteger(1, 50),
			equipped: random.NextInteger(0, 9) === 0,
			acquiredAt: 1700000000 + random.NextInteger(0, 5000000),
		});
	}
	const quests = new Array<{
		questId: string;
		progress: number;
		completed: boolean;
	}>();
	for (let i = 1; i <= 12; i++) {
		quests.push({
			questId: `quest_${i}`,
			progress: random.NextInteger(0, 100),
			completed: random.NextInteger(0, 1) === 1,
		});
	}
	return {
		userId,
		displayName: `Player${userId}`,
		coins: random.NextInteger(0, 1000000),
		gems: random.NextInteger(0, 5000),
		level: random.NextInteger(1, 100),
		experience: random.NextNumber() * 100000,
		inventory,
		quests,
		settings: {
			music: true,
			sfx: random.NextInteger(0, 1) === 1,
			sensitivity: 0.5,
			language: "en-us",
		},
		stats: {
			kills: random.NextInteger(0, 9999),
			deaths: random.NextInteger(0, 9999),
			playTime: random.NextInteger(0, 1e6),
		},
		lastLogin: 1732000000 + random.NextInteger(0, 100000),
	};
}
