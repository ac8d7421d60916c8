import { CompiledSchema } from "../core/DataValidator";

/** A key's rate limit: `rate` proposals per second sustained, `burst` at once. */
export interface RateLimit {
	readonly rate: number;
	readonly burst: number;
}

/**
 * What happens when a proposal was made from a version the server has moved past:
 * - `server_wins` (default): it is refused with `conflict` and the client rolls back to the server's value;
 * - `client_wins`: it is applied anyway (last writer wins). Only client-writable keys may choose it.
 */
export type ConflictStrategy = "server_wins" | "client_wins";

/**
 * How one state key may be used. A key without `clientWritable: true` is server-only: clients read it
 * (it is replicated) but every proposal for it is rejected with `serverOnly`.
 */
export interface KeyDefinition {
	/** Clients may propose new values. Default false. */
	readonly clientWritable?: boolean;
	/**
	 * The value's validator: a compiled DataValidator schema or any `(value) => boolean` check (a `t`
	 * check works). Required for client-writable keys.
	 */
	readonly validate?: CompiledSchema<unknown> | ((value: unknown) => boolean);
	/** Per-player rate limit for proposals of this key. Default 10/s, burst 20. */
	readonly rateLimit?: RateLimit;
	/** How a stale proposal is settled. Default `server_wins`. */
	readonly conflict?: ConflictStrategy;
}

/** A resolved {@link KeyDefinition}. */
export interface RegisteredKey {
	readonly name: string;
	readonly clientWritable: boolean;
	readonly check: (value: unknown) => boolean;
	readonly rateLimit: RateLimit;
	readonly conflict: ConflictStrategy;
}

const DEFAULT_RATE_LIMIT: RateLimit = { rate: 10, burst: 20 };

/**
 * The declarative list of state keys the sync protocol knows. Anything not declared is unknown; anything
 * declared without `clientWritable` is server-only.
 *
 * @example
 * ```ts
 * const keys = new KeyRegistry({
 * 	coins: {},
 * 	settings: { clientWritable: true, validate: new DataValidator().compile(SETTINGS), rateLimit: { rate: 2, burst: 5 } },
 * 	emote: { clientWritable: true, validate: t.string },
 * });
 * ```
 */
export class KeyRegistry {
	private readonly byName = new Map<string, RegisteredKey>();
	private readonly order = new Array<string>();

	/**
	 * @param definitions one entry per key
	 * @throws when a client-writable key has no validator, or a server-only key asks for `client_wins`
	 */
	constructor(definitions: Record<string, KeyDefinition>) {
		const names = new Array<string>();
		for (const [name] of pairs(definitions)) names.push(name as string);
		names.sort();
		for (const name of names) {
			const definition = definitions[name];
			const clientWritable = definition.clientWritable === true;
			const validate = definition.validate;
			if (clientWritable && validate === undefined) {
				error(`[StateSync] client-writable key "${name}" needs a validator`, 2);
			}
			const conflict = definition.conflict ?? "server_wins";
			if (conflict !== "server_wins" && conflict !== "client_wins") {
				error(`[StateSync] key "${name}" has an unknown conflict strategy "${conflict}"`, 2);
			}
			if (conflict === "client_wins" && !clientWritable) {
				error(`[StateSync] "client_wins" needs a client-writable key; "${name}" is server-only`, 2);
			}
			let check: (value: unknown) => boolean;
			if (validate === undefined) {
				check = () => true;
			} else if (typeIs(validate, "function")) {
				check = validate;
			} else {
				check = validate.check;
			}
			this.byName.set(name, {
				name,
				clientWritable,
				check,
				rateLimit: definition.rateLimit ?? DEFAULT_RATE_LIMIT,
				conflict,
			});
			this.order.push(name);
		}
	}

	/**
	 * @returns the key named `name`, or undefined when no such key is registered
	 */
	get(name: string): RegisteredKey | undefined {
		return this.byName.get(name);
	}

	/**
	 * @returns every registered key name, sorted
	 */
	names(): ReadonlyArray<string> {
		return this.order;
	}
}
