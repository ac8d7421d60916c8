import { deepCopy } from "shared/protocol/deepCopy";
import type { ConsistencyIssue, FixKind } from "./ConsistencyIssue";
import type { UniqueItems } from "./ConsistencyRules";
import { getPath, setPath } from "./fieldPath";

/** One fix a repair applied (or, in a dry run, would apply). */
export interface RepairRecord {
	readonly fix: FixKind;
	readonly path: string;
	/** The issue it fixes. */
	readonly message: string;
	readonly before?: unknown;
	readonly after?: unknown;
}

/** What {@link repairData} made of the data. */
export interface RepairOutcome {
	/** A repaired copy (the input is never changed). */
	readonly data: object;
	readonly repairs: ReadonlyArray<RepairRecord>;
	/** Issues without a declared fix (or whose fix could not apply): the data is beyond repair if any. */
	readonly unrepaired: ReadonlyArray<ConsistencyIssue>;
}

/** `items[3]` → ["items", 3] (0-based); undefined for a path that is not an array element. */
function arrayElement(path: string): [string, number] | undefined {
	const [base, index] = path.match("^(.*)%[(%d+)%]$");
	if (base === undefined) return undefined;
	return [base as string, tonumber(index)!];
}

/**
 * Applies each issue's declared fix to a copy of `data`: fill defaults, clamp, drop unknown fields, remove
 * dangling references (a field the template has takes the template's value, e.g. nothing equipped),
 * deduplicate unique items (the first record of an id stays). Array removals are
 * done last, highest index first, so earlier paths stay valid.
 *
 * @example
 * ```ts
 * const { data: repaired, repairs, unrepaired } = repairData(data, issues, rules.uniqueItems ?? []);
 * ```
 */
export function repairData(
	data: object,
	issues: ReadonlyArray<ConsistencyIssue>,
	uniqueItems: ReadonlyArray<UniqueItems>,
	template: object = {},
): RepairOutcome {
	const copy = deepCopy(data);
	const repairs = new Array<RepairRecord>();
	const unrepaired = new Array<ConsistencyIssue>();
	const removals = new Map<string, Array<{ index: number; issue: ConsistencyIssue }>>();
	const arrays = new Set(uniqueItems.map((decl) => decl.path));
	for (const found of issues) {
		const fix = found.fix;
		if (fix === undefined) {
			unrepaired.push(found);
			continue;
		}
		const element = arrayElement(found.path);
		if ((fix === "removeReference" || fix === "deduplicate") && element !== undefined && arrays.has(element[0])) {
			const list = removals.get(element[0]) ?? [];
			list.push({ index: element[1], issue: found });
			removals.set(element[0], list);
			continue;
		}
		if (element !== undefined || found.path === "") {
			unrepaired.push(found);
			continue;
		}
		const before = deepCopy(getPath(copy, found.path));
		let after: unknown;
		if (fix === "fillDefault" || fix === "clamp") after = deepCopy(found.value);
		// A dangling reference in a field the template has (a required `equipped`) takes its empty value.
		else if (fix === "removeReference") after = deepCopy(getPath(template, found.path));
		else after = undefined; // dropUnknown: the field goes
		setPath(copy, found.path, after);
		repairs.push({ fix, path: found.path, message: found.message, before, after });
	}
	for (const [path, list] of removals) {
		const items = getPath(copy, path) as Array<defined>;
		const indexes = new Set<number>();
		list.sort((a, b) => a.index > b.index);
		for (const { index, issue: found } of list) {
			if (indexes.has(index)) continue;
			indexes.add(index);
			const before = deepCopy(items[index]);
			items.remove(index);
			repairs.push({ fix: found.fix!, path: found.path, message: found.message, before });
		}
	}
	return { data: copy, repairs, unrepaired };
}
