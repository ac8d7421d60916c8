import type { DataAccessLayer } from "../DataAccessLayer";
import { isDataError } from "../dal/DataError";
import type { PublishedStep } from "./MigrationChain";
import { migrationError } from "./MigrationError";

/** What the history key holds: every step ever published, by its `from` version (as text). */
interface HistoryDocument {
	steps: Record<string, PublishedStep & { readonly publishedAt: number }>;
}

/** How long a read of the history serves compatibility questions before it is read again (seconds). */
const COMPATIBILITY_TTL = 60;

/**
 * The durable history of a chain: one DataAccessLayer key (`history/<chain>` in the migration store)
 * recording each step's checksum when it was first declared (like Flyway's schema history). `publish`
 * adds the new steps and refuses a chain whose published steps were edited; servers running older code
 * read it to learn whether newer data declares itself compatible with them.
 *
 * @example
 * ```ts
 * const history = new MigrationHistory(dal, "DataService.Migrations", "PlayerData");
 * history.publish(chain.declarations()); // throws EditedStep when a published step changed
 * ```
 */
export class MigrationHistory {
	private known?: HistoryDocument;
	private readAt = -math.huge;

	constructor(
		private readonly dal: DataAccessLayer,
		private readonly store: string,
		private readonly chain: string,
	) {}

	private ref() {
		return { store: this.store, key: `history/${this.chain}` };
	}

	/**
	 * Compares `declared` with the history in one UpdateAsync: new steps are recorded, an edited one is
	 * refused (nothing recorded). Yields.
	 * @throws MigrationError `EditedStep` naming the step and both checksums, `StoreFailed`.
	 */
	publish(declared: ReadonlyArray<PublishedStep>, now: number): void {
		let edited: string | undefined;
		let editedStep: string | undefined;
		const [ok, result] = pcall(() =>
			this.dal.updateNow<HistoryDocument>(
				this.ref(),
				(current) => {
					edited = undefined;
					const steps = { ...(current?.steps ?? {}) };
					let added = false;
					for (const step of declared) {
						const recorded = steps[tostring(step.from)];
						if (recorded === undefined) {
							steps[tostring(step.from)] = { ...step, publishedAt: now };
							added = true;
						} else if (recorded.checksum !== step.checksum || recorded.name !== step.name) {
							editedStep = step.name;
							edited =
								`step ${step.from} -> ${step.from + 1} was published as "${recorded.name}" (checksum ` +
								`${recorded.checksum.sub(1, 12)}) and is now declared as "${step.name}" (checksum ` +
								`${step.checksum.sub(1, 12)}); a published step must not be edited: add a new step instead`;
							return undefined;
						}
					}
					return added ? { steps } : undefined;
				},
				{ priority: "background" },
			),
		);
		if (!ok)
			throw migrationError(
				"StoreFailed",
				`the history of ${this.chain} could not be written: ${describe(result)}`,
			);
		if (edited !== undefined) throw migrationError("EditedStep", edited, editedStep);
		this.known = (result as { data: HistoryDocument } | undefined)?.data;
		this.readAt = os.clock();
	}

	/**
	 * The oldest code version that may use data of `version` as it is, according to the history (read again
	 * when older than a minute or when it does not know `version`). Yields.
	 * @throws MigrationError `StoreFailed`.
	 */
	compatibleBackTo(version: number): number | undefined {
		const key = tostring(version - 1);
		if (this.known?.steps[key] === undefined || os.clock() - this.readAt > COMPATIBILITY_TTL) {
			const [ok, doc] = pcall(() =>
				this.dal.read<HistoryDocument>(this.ref(), { priority: "critical" }).expect(),
			);
			if (!ok)
				throw migrationError("StoreFailed", `the history of ${this.chain} could not be read: ${describe(doc)}`);
			this.known = (doc as { data: HistoryDocument } | undefined)?.data;
			this.readAt = os.clock();
		}
		return this.known?.steps[key]?.compatibleBackTo;
	}

	/** Every published step, oldest first (one read). Yields. */
	list(): ReadonlyArray<PublishedStep & { readonly publishedAt: number }> {
		const doc = this.dal.read<HistoryDocument>(this.ref()).expect();
		const list = new Array<PublishedStep & { readonly publishedAt: number }>();
		if (doc === undefined) return list;
		for (const [, step] of pairs(doc.data.steps)) list.push(step);
		list.sort((a, b) => a.from < b.from);
		return list;
	}
}

function describe(err: unknown): string {
	return isDataError(err) ? `${err.kind}: ${err.message}` : tostring(err);
}
