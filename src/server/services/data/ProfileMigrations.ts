import type { DataAccessLayer } from "shared/core/DataAccessLayer";
import { BatchOptions, DataMigrationTool, MigrationRun, VersionCheck } from "shared/core/DataMigrationTool";
import type { EncodingServiceLike } from "shared/core/audit/sha256Hex";
import type { MigrationStep } from "shared/core/migration/MigrationStep";
import type { ChangeValidator } from "./ChangeValidator";
import type { ResolvedConfig } from "./DataServiceConfig";
import { ProfileSource } from "./ProfileSource";
import type { SealedProfiles } from "./SealedProfiles";

/** A bare migration function of the config as a declared step (no sample: an edit cannot be detected). */
function stepOf(entry: ((data: object) => object) | MigrationStep, index: number): MigrationStep {
	if (typeIs(entry, "function")) return { name: `migration ${index + 1}`, from: index + 1, up: entry };
	return entry;
}

/**
 * DataService's migrations: the config's `migrations` as one {@link DataMigrationTool} chain named after
 * the profile store, validated against the game's schema, used by the loader (version check and migration
 * on load) and by `RunMigration` / `RollbackMigration` over offline profiles.
 *
 * @example
 * ```ts
 * const migrations = new ProfileMigrations(config, dal, validator);
 * migrations.admit(stored.v); // "older": migrate; "compatible": use as it is; throws NewerVersion
 * ```
 */
export class ProfileMigrations {
	readonly tool: DataMigrationTool;
	private readonly source: ProfileSource;

	/**
	 * @param sealed field encryption of the profile store, when on: offline batches open and seal again.
	 * @throws a plain message when the configured steps are malformed.
	 */
	constructor(
		config: ResolvedConfig,
		dal: DataAccessLayer,
		validator: ChangeValidator,
		encoding?: EncodingServiceLike,
		sealed?: SealedProfiles,
	) {
		const [ok, tool] = pcall(
			() =>
				new DataMigrationTool({
					steps: config.migrations.map(stepOf),
					chain: config.profileStoreName,
					dataAccessLayer: dal,
					encoding,
					validate: (data) => {
						const problems = validator.problemsOf(data);
						if (problems.size() === 0) return undefined;
						const first = problems[0];
						return `${first.path === "" ? "(root)" : first.path}: ${first.message}`;
					},
				}),
		);
		if (!ok) error(`[DataService] migrations: ${(tool as { message?: string }).message ?? tostring(tool)}`, 0);
		this.tool = tool as DataMigrationTool;
		this.source = new ProfileSource(dal, config.profileStoreName, "background", sealed);
	}

	/**
	 * Publishes the chain's steps to the durable history in the background, so servers running older code
	 * learn at once whether this code's newest version is compatible with them (a load publishes too, and
	 * refuses to migrate while the history says a step was edited).
	 */
	start(warn: (message: string) => void): void {
		if (this.tool.target === 1) return;
		task.spawn(() => {
			const [ok, err] = pcall(() => this.tool.publishNow());
			if (!ok) warn(`migrations not published: ${(err as { message?: string }).message ?? tostring(err)}`);
		});
	}

	/**
	 * How a loaded profile's version compares with this server's code (yields to read the history when the
	 * version is newer). @throws MigrationError `NewerVersion`, `StoreFailed`.
	 */
	admit(version: number): VersionCheck {
		return this.tool.checkVersionNow(version);
	}

	/** A batch over every offline profile (see DataService.RunMigration). */
	run(options: BatchOptions): Promise<MigrationRun> {
		return this.tool.runBatch(this.source, options);
	}

	/** Removes a player's pre-migration images from the chain's runs (see DataService.ErasePlayer). */
	erase(userId: number): Promise<number> {
		return this.tool.erasePreImages(`Player_${userId}`);
	}

	/** Rolls a batch run back (see DataService.RollbackMigration). */
	rollback(runId: string): Promise<MigrationRun> {
		return this.tool.rollback(runId, this.source);
	}
}
