import { getPath } from "./fieldPath";
import type { BusinessRule, RuleViolation } from "./ConsistencyRules";

/**
 * A cap on a numeric field (a level cap): a value above `max` is clamped to it.
 * @example
 * ```ts
 * new ConsistencyChecker({ rules: [levelCap("level", 100)] });
 * ```
 */
export function levelCap(path: string, max: number): BusinessRule {
	return capRule(`levelCap(${path})`, path, max, "level cap");
}

/**
 * A cap on a currency: a balance above `max` is clamped to it.
 * @example
 * ```ts
 * new ConsistencyChecker({ rules: [currencyCap("coins", 1e9)] });
 * ```
 */
export function currencyCap(path: string, max: number): BusinessRule {
	return capRule(`currencyCap(${path})`, path, max, "currency cap");
}

function capRule(name: string, path: string, max: number, what: string): BusinessRule {
	if (!typeIs(max, "number") || max !== max) error(`[ConsistencyChecker] ${name}: max must be a number`, 3);
	return {
		name,
		check: (data) => {
			const value = getPath(data, path);
			if (typeIs(value, "number") && value > max) {
				return [{ path, message: `${path} is ${value}, above the ${what} ${max}`, fix: "clamp", value: max }];
			}
			return undefined;
		},
	};
}

/**
 * An equipped item must be owned: the value at `equippedPath` (an item's unique id or a catalog id, or
 * undefined for nothing equipped) must be the id of a record in the unique items at `itemsPath` (field
 * `idField`, default "id"), or a catalog id with a positive count in the count map at `itemsPath`.
 * A violation is fixed by unequipping.
 * @example
 * ```ts
 * new ConsistencyChecker({ rules: [equippedOwned("equipped", "items")] });
 * ```
 */
export function equippedOwned(equippedPath: string, itemsPath: string, idField = "id"): BusinessRule {
	return {
		name: `equippedOwned(${equippedPath})`,
		check: (data) => {
			const equipped = getPath(data, equippedPath);
			if (equipped === undefined || equipped === "") return undefined;
			const items = getPath(data, itemsPath);
			let owned = false;
			if (typeIs(items, "table")) {
				const count = (items as Record<string, unknown>)[tostring(equipped)];
				if (typeIs(count, "number") && count > 0) owned = true;
				else
					for (const [, record] of pairs(items as object)) {
						if (typeIs(record, "table") && (record as Record<string, unknown>)[idField] === equipped) {
							owned = true;
							break;
						}
					}
			}
			if (owned) return undefined;
			const violation: RuleViolation = {
				path: equippedPath,
				message: `${equippedPath} is ${tostring(equipped)}, which ${itemsPath} does not hold`,
				fix: "removeReference",
			};
			return [violation];
		},
	};
}
