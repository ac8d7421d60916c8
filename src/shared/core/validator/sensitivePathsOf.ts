import type { Schema, SchemaObject } from "./Schema";

/**
 * The dotted paths of every field a schema marks `sensitive: true`, in the format the audit trail's
 * `sensitivePaths` uses (`*` for any key of a map or any element of an array), so one marker in the schema
 * drives the audit trail's concealment, the admin API's pii.read and field encryption. A marked node's
 * children are covered by it and not listed. `$ref`s are followed (a recursive schema stops at 16 levels).
 *
 * @example
 * ```ts
 * sensitivePathsOf({ type: "object", properties: { email: { type: "string", sensitive: true } } }); // ["email"]
 * ```
 */
export function sensitivePathsOf(schema: Schema): Array<string> {
	const paths = new Array<string>();
	if (!typeIs(schema, "table")) return paths;
	const root = schema as SchemaObject;
	const definitions = root.definitions ?? root.$defs ?? {};
	const walk = (node: Schema | boolean | undefined, path: Array<string>, depth: number) => {
		if (!typeIs(node, "table") || depth > 16) return;
		let s = node as SchemaObject;
		if (s.sensitive === true) {
			if (path.size() > 0) paths.push(path.join("."));
			return;
		}
		if (s.$ref !== undefined) {
			const target = s.$ref === "#" ? root : definitions[s.$ref.match("^#/%$?[%w]+/(.+)$")[0] as string];
			if (target === undefined || !typeIs(target, "table")) return;
			s = target as SchemaObject;
			if (s.sensitive === true) {
				if (path.size() > 0) paths.push(path.join("."));
				return;
			}
		}
		if (s.properties !== undefined) {
			for (const [name, child] of pairs(s.properties)) walk(child, [...path, name as string], depth + 1);
		}
		if (s.additionalProperties !== undefined && typeIs(s.additionalProperties, "table")) {
			walk(s.additionalProperties, [...path, "*"], depth + 1);
		}
		if (s.items !== undefined) walk(s.items, [...path, "*"], depth + 1);
	};
	walk(root, [], 0);
	table.sort(paths);
	return paths;
}
