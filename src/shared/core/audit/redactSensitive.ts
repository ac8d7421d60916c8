import { canonicalJson } from "../dal/Canonical";

/** How a sensitive value reaches the trail: as `"sha256:<hex>"` of its canonical JSON, or `"[redacted]"`. */
export type RedactionMode = "hash" | "redact";

/** Dotted paths whose values never reach the trail in clear; a `*` segment matches any key. */
export type SensitivePaths = ReadonlyArray<ReadonlyArray<string>>;

/** Splits the config's dotted paths ("profile.email", "friends.*.name") once. */
export function parseSensitivePaths(paths: ReadonlyArray<string>): SensitivePaths {
	return paths.map((p) => p.split("."));
}

function matches(rule: ReadonlyArray<string>, path: ReadonlyArray<string>): boolean {
	if (rule.size() !== path.size()) return false;
	for (let i = 0; i < rule.size(); i++) if (rule[i] !== "*" && rule[i] !== path[i]) return false;
	return true;
}

/** True when `path` is sensitive itself. */
export function isSensitive(rules: SensitivePaths, path: ReadonlyArray<string>): boolean {
	return rules.some((rule) => matches(rule, path));
}

/** True when some rule is longer than `path` and matches it so far: a sensitive value may lie below it. */
function mayHoldSensitive(rules: SensitivePaths, path: ReadonlyArray<string>): boolean {
	return rules.some((rule) => {
		if (rule.size() <= path.size()) return false;
		for (let i = 0; i < path.size(); i++) if (rule[i] !== "*" && rule[i] !== path[i]) return false;
		return true;
	});
}

function walk(
	value: unknown,
	path: Array<string>,
	rules: SensitivePaths,
	conceal: (value: unknown, path: ReadonlyArray<string>) => unknown,
	depth: number,
): unknown {
	if (isSensitive(rules, path)) return conceal(value, path);
	// Only a table whose path is a prefix of some rule can hold a sensitive value below it: any other is
	// returned as it is, not copied (a save seals a few fields of a profile of thousands of values).
	if (!typeIs(value, "table") || depth > 64 || !mayHoldSensitive(rules, path)) return value;
	const copy = new Map<unknown, unknown>();
	for (const [k, v] of pairs(value as object)) {
		path.push(tostring(k));
		copy.set(k, walk(v, path, rules, conceal, depth + 1));
		path.pop();
	}
	return copy;
}

/**
 * A copy of `value`, found at `path`, with every sensitive value below it (or itself) replaced by what `fn`
 * returns for it: the one walk behind the audit trail's concealment and field encryption. Only the tables on
 * the way to a sensitive path are copied; the others are shared with `value`.
 * @example
 * ```ts
 * mapSensitive({ email: "a@b.c" }, [], parseSensitivePaths(["email"]), (v, path) => seal(path, v));
 * ```
 */
export function mapSensitive(
	value: unknown,
	path: ReadonlyArray<string>,
	rules: SensitivePaths,
	fn: (value: unknown, path: ReadonlyArray<string>) => unknown,
): unknown {
	if (rules.size() === 0) return value;
	return walk(value, [...path], rules, fn, 1);
}

/**
 * A copy of `value`, found at `path` in a player's data, with every sensitive field below it (or itself)
 * replaced by its hash or `"[redacted]"`. Values hashed are unsalted: a low-entropy field (an age, a
 * country) can be guessed from its hash, so prefer "redact" for those.
 * @example
 * ```ts
 * redactSensitive({ email: "a@b.c", coins: 1 }, [], parseSensitivePaths(["email"]), "redact", hash);
 * // { email: "[redacted]", coins: 1 }
 * ```
 */
export function redactSensitive(
	value: unknown,
	path: ReadonlyArray<string>,
	rules: SensitivePaths,
	mode: RedactionMode,
	hash: (text: string) => string,
): unknown {
	if (rules.size() === 0) return value;
	const conceal = (v: unknown) => {
		if (mode === "redact") return "[redacted]";
		const [ok, encoded] = pcall(() => canonicalJson(v));
		return `sha256:${hash(ok ? (encoded as string) : tostring(v))}`;
	};
	return mapSensitive(value, path, rules, conceal);
}
