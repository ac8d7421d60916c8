import type { DataMigrationTool } from "shared/core/DataMigrationTool";
import type { Session } from "../Session";
import type { ChangePlan } from "./WritePipeline";

/**
 * The write pipeline's plan for migrating a freshly loaded profile under its session lock: `prepare` runs
 * the chain's steps on a copy of the stored data (no yield; a step that errors, yields or returns a
 * non-table throws `StepFailed`, a result that breaks the schema `InvalidResult`), the pipeline validates
 * the result against the game's schema like any whole change, and `write` stores data and version
 * together. The change is not refusable: stages observe it. Nothing is written when anything throws, so
 * the loader releases the profile as it was stored.
 *
 * @example
 * ```ts
 * ctx.pipeline.run(migrationPlan(session, tool));
 * ```
 */
export function migrationPlan(session: Session, tool: DataMigrationTool): ChangePlan {
	const stored = session.profile.Data;
	const from = stored.v;
	let to = from;
	return {
		kind: "migration",
		context: { source: "migration", from, to: tool.target },
		lock: [session.userId],
		refusable: false,
		what: "migration",
		prepare: () => {
			const migrated = tool.migrateNow(stored.data, from);
			to = migrated.version;
			return [{ session, after: migrated.data, worth: 1 }];
		},
		write: (sides) => {
			stored.data = sides[0].after!;
			stored.v = to;
			return undefined;
		},
	};
}
