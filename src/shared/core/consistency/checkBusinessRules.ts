import { deepCopy } from "shared/protocol/deepCopy";
import { ConsistencyIssue, issue } from "./ConsistencyIssue";
import type { BusinessRule } from "./ConsistencyRules";

/**
 * Runs the game's business rules and the currency rule (declared currencies are finite and never
 * negative; a negative balance is clamped to 0) on a copy of the data.
 *
 * @returns one `ruleBroken` issue per violation; a rule that errors is reported as broken, without a fix.
 * @example
 * ```ts
 * const issues = checkBusinessRules(data, [levelCap("level", 100)], ["coins"]);
 * ```
 */
export function checkBusinessRules(
	data: object,
	rules: ReadonlyArray<BusinessRule>,
	currencies: ReadonlyArray<string>,
): Array<ConsistencyIssue> {
	const out = new Array<ConsistencyIssue>();
	for (const field of currencies) {
		const value = (data as Record<string, unknown>)[field];
		if (typeIs(value, "number") && value < 0) {
			out.push(issue("ruleBroken", "business", field, `${field} is ${value}, a currency below 0`, "clamp", 0));
		}
	}
	for (const rule of rules) {
		const [ok, result] = pcall(() => rule.check(deepCopy(data) as Record<string, unknown>));
		if (!ok) {
			out.push(issue("ruleBroken", "business", "", `rule ${rule.name} failed: ${tostring(result)}`));
			continue;
		}
		for (const v of (result as ReadonlyArray<{ path: string; message: string; fix?: never; value?: unknown }>) ??
			[]) {
			out.push(issue("ruleBroken", "business", v.path, `${rule.name}: ${v.message}`, v.fix, v.value));
		}
	}
	return out;
}
