/**
 * Checks a `pattern` keyword when a schema is compiled. Patterns are Lua patterns; this rejects the regular
 * expression syntax that Lua would silently read as something else, and malformed Lua patterns.
 *
 * @returns undefined when the pattern is usable, otherwise why not.
 * @internal
 */
export function patternProblem(pattern: string): string | undefined {
	const n = pattern.size();
	let captures = 0;
	let i = 1;
	while (i <= n) {
		const c = pattern.sub(i, i);
		if (c === "%") {
			if (i === n) {
				return "it ends with a lone %";
			}
			const e = pattern.sub(i + 1, i + 1);
			if (e === "b") {
				if (i + 3 > n) return "%b needs two characters, as in %b()";
				i += 4;
				continue;
			} else if (e === "f") {
				if (pattern.sub(i + 2, i + 2) !== "[") return "%f needs a set, as in %f[%w]";
				i += 2;
				continue;
			}
			i += 2;
		} else if (c === "[") {
			let j = i + 1;
			if (pattern.sub(j, j) === "^") j += 1;
			if (pattern.sub(j, j) === "]") j += 1;
			let closed = false;
			while (j <= n) {
				const d = pattern.sub(j, j);
				if (d === "%") {
					j += 2;
				} else if (d === "]") {
					closed = true;
					break;
				} else {
					j += 1;
				}
			}
			if (!closed) {
				return "a [set] is not closed with ]";
			}
			i = j + 1;
		} else if (c === "|") {
			return "| (alternation) is regular expression syntax; Lua patterns have none (write %| for a literal |)";
		} else if (c === "{" || c === "}") {
			return "{n,m} counts are regular expression syntax; Lua patterns have none (repeat the item, or write %{ %} for braces)";
		} else if (c === "\\") {
			return "backslash escapes are regular expression syntax; Lua patterns escape with % (%d, %s, %w, %.)";
		} else if (c === "(") {
			captures += 1;
			i += 1;
		} else if (c === ")") {
			captures -= 1;
			if (captures < 0) {
				return "a ) has no matching (";
			}
			const q = pattern.sub(i + 1, i + 1);
			if (q === "*" || q === "+" || q === "?") {
				return `${q} after ) would repeat a group in a regular expression; Lua patterns repeat single characters only`;
			}
			i += 1;
		} else {
			i += 1;
		}
	}
	if (captures > 0) {
		return "a ( is not closed";
	}
	const [usable, err] = pcall(() => "".find(pattern));
	if (!usable) {
		return `Lua rejects it: ${tostring(err)}`;
	}
	return undefined;
}
