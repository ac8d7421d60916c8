import { describe } from "shared/core/validator/nodes";
import { adminError } from "./AdminError";
import type { Capability } from "./Capability";

/**
 * The admin operations other modules own: the admin API checks the capability, then calls whatever the
 * module (or the game) registered under the name. Migration run/rollback and quarantine release are built
 * by their own modules; until one registers, the admin API answers `NotAvailable`.
 */
export const RESERVED_HOOKS: { readonly [name: string]: Capability } = {
	"migration.run": "migrate.run",
	"migration.rollback": "migrate.run",
	"quarantine.release": "quarantine.release",
};

/** A registered operation: `args` are what the admin passed (checked by the hook itself). */
export type AdminHook = (actor: number, args: unknown) => unknown;

/**
 * Named admin operations and the capability each needs.
 * @example
 * ```ts
 * hooks.register("quarantine.release", (actor, args) => quarantine.release((args as { player: number }).player));
 * hooks.capabilityOf("quarantine.release"); // "quarantine.release"
 * ```
 */
export class AdminHooks {
	private readonly hooks = new Map<string, { capability: Capability; fn: AdminHook }>();

	/**
	 * Registers `fn` under `name`; a reserved name keeps its capability, another name needs `capability`.
	 * @returns a function that unregisters it.
	 * @throws an `InvalidArgument` AdminError naming the bad argument, or when the name is taken.
	 */
	register(name: string, fn: AdminHook, capability?: Capability): () => void {
		if (!typeIs(name, "string") || name.size() === 0 || name.size() > 64) {
			throw adminError("InvalidArgument", `hook name must be a string of 1-64 characters, got ${describe(name)}`);
		}
		if (!typeIs(fn, "function"))
			throw adminError("InvalidArgument", `hook ${name}: fn must be a function, got ${describe(fn)}`);
		const needed = RESERVED_HOOKS[name] ?? capability;
		if (needed === undefined)
			throw adminError("InvalidArgument", `hook ${name}: capability is required for a new name`);
		if (this.hooks.has(name)) throw adminError("InvalidArgument", `hook ${name} is already registered`);
		const entry = { capability: needed, fn };
		this.hooks.set(name, entry);
		return () => {
			if (this.hooks.get(name) === entry) this.hooks.delete(name);
		};
	}

	/** The capability `name` needs (undefined for an unknown name that is not reserved). */
	capabilityOf(name: string): Capability | undefined {
		return this.hooks.get(name)?.capability ?? RESERVED_HOOKS[name];
	}

	/** The registered function, or undefined. */
	get(name: string): AdminHook | undefined {
		return this.hooks.get(name)?.fn;
	}
}
