import { ConsistencyIssue, describeValue, issue } from "./ConsistencyIssue";
import type { ConsistencyRules, UniqueItems } from "./ConsistencyRules";
import { getPath } from "./fieldPath";

/** Answers whether a catalog item id exists (built once from the rules). */
export type CatalogLookup = (itemId: string) => boolean;

/**
 * The catalog lookup of the rules: undefined when the game registered no catalog (nothing is checked).
 * @example
 * ```ts
 * const known = catalogOf({ catalog: ["sword", "shield"] });
 * known?.("sword"); // true
 * ```
 */
export function catalogOf(rules: ConsistencyRules): CatalogLookup | undefined {
	const catalog = rules.catalog;
	if (catalog === undefined) return undefined;
	if (typeIs(catalog, "function")) return catalog;
	const known = new Set<string>(catalog);
	return (itemId) => known.has(itemId);
}

/** Each unique item's id and catalog id, in array order: what the checks and the uniqueness index read. */
export interface HeldItem {
	/** The unique item id. */
	readonly id: string;
	/** The catalog item id (undefined when the record has none: the schema reports that, no fix drops it). */
	readonly item?: string;
	/** Where the record is ("items[2]"). */
	readonly path: string;
}

/**
 * The unique items a player's data holds, by declaration (records without a string id are skipped: the
 * structural checks report them through the schema).
 * @example
 * ```ts
 * for (const held of heldItems(data, rules.uniqueItems ?? [])) print(held.id, held.item);
 * ```
 */
export function heldItems(data: unknown, declarations: ReadonlyArray<UniqueItems>): Array<HeldItem> {
	const out = new Array<HeldItem>();
	for (const decl of declarations) {
		const list = getPath(data, decl.path);
		if (!typeIs(list, "table")) continue;
		const idField = decl.idField ?? "id";
		const itemField = decl.itemField ?? "item";
		(list as Array<defined>).forEach((record, index) => {
			if (!typeIs(record, "table")) return;
			const id = (record as Record<string, unknown>)[idField];
			const item = (record as Record<string, unknown>)[itemField];
			if (typeIs(id, "string"))
				out.push({ id, item: typeIs(item, "string") ? item : undefined, path: `${decl.path}[${index}]` });
		});
	}
	return out;
}

/**
 * The referential checks of the data itself: every counted and every unique item is in the catalog, and
 * no unique item id appears twice in one player's data.
 *
 * @returns the issues: `unknownItem` (fixed by removing the item) and `duplicateItem` (fixed by keeping
 *   the first record).
 * @example
 * ```ts
 * const issues = checkItems(data, rules, catalogOf(rules));
 * ```
 */
export function checkItems(
	data: unknown,
	rules: ConsistencyRules,
	known: CatalogLookup | undefined,
): Array<ConsistencyIssue> {
	const out = new Array<ConsistencyIssue>();
	if (known !== undefined) {
		for (const mapPath of rules.countMaps ?? []) {
			const counts = getPath(data, mapPath);
			if (!typeIs(counts, "table")) continue;
			for (const [itemId] of pairs(counts as object)) {
				if (!typeIs(itemId, "string") || !known(itemId)) {
					const path = `${mapPath}.${tostring(itemId)}`;
					out.push(
						issue(
							"unknownItem",
							"referential",
							path,
							`${path}: ${describeValue(itemId)} is not in the catalog`,
							"removeReference",
						),
					);
				}
			}
		}
	}
	const seen = new Map<string, string>();
	for (const held of heldItems(data, rules.uniqueItems ?? [])) {
		if (known !== undefined && held.item !== undefined && !known(held.item)) {
			out.push(
				issue(
					"unknownItem",
					"referential",
					held.path,
					`${held.path}: item ${held.item} (id ${held.id}) is not in the catalog`,
					"removeReference",
				),
			);
		}
		const first = seen.get(held.id);
		if (first !== undefined) {
			out.push(
				issue(
					"duplicateItem",
					"duplicate",
					held.path,
					`${held.path}: unique id ${held.id} is also held at ${first}`,
					"deduplicate",
				),
			);
		} else seen.set(held.id, held.path);
	}
	return out;
}
