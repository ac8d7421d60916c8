import type { BackupManager } from "shared/core/BackupManager";
import type { BudgetSource } from "shared/core/dal/RequestScheduler";
import type { HealthStatus } from "./DataServiceTypes";

/** Seconds between looks at the service's health. */
const POLL_SECONDS = 10;

/**
 * The emergency backups DataService takes on its own: once each time its health turns `critical`
 * (ProfileService's critical state, failing saves: the data in memory may soon be all there is), and at
 * shutdown for the players whose changes are not backed up yet, when the server's write budget covers
 * both copies of each after the release saves (those go first: a backup never takes a save's budget).
 *
 * @example
 * ```ts
 * const emergencies = new EmergencyBackups(backups, () => service.GetHealthStatus().status, DataStoreService);
 * emergencies.start();
 * game.BindToClose(() => emergencies.atShutdown(heldProfiles()));
 * ```
 */
export class EmergencyBackups {
	private loop?: thread;
	private critical = false;

	constructor(
		private readonly backups: BackupManager,
		private readonly health: () => HealthStatus["status"],
		private readonly budget: BudgetSource,
	) {}

	/** Starts watching the health. */
	start(): void {
		if (this.loop !== undefined) return;
		this.loop = task.spawn(() => {
			for (;;) {
				task.wait(POLL_SECONDS);
				this.check();
			}
		});
	}

	/** Stops watching (a backup under way finishes). */
	stop(): void {
		const loop = this.loop;
		this.loop = undefined;
		if (loop !== undefined && coroutine.status(loop) === "suspended") task.cancel(loop);
	}

	/**
	 * Looks at the health once (yields when it backs up): entering `critical` backs up every player with
	 * changes not yet backed up; staying critical does not repeat it.
	 * @returns how many players were backed up.
	 */
	check(): number {
		const critical = this.health() === "critical";
		const entering = critical && !this.critical;
		this.critical = critical;
		return entering ? this.backups.EmergencyBackup("critical state") : 0;
	}

	/**
	 * At shutdown (yields): backs up the players with changes not yet backed up, as many as the write budget
	 * allows after `savesFirst` release saves (two writes each: both copies).
	 * @returns how many players were backed up.
	 */
	atShutdown(savesFirst: number): number {
		this.stop();
		const changed = this.backups.ChangedPlayers();
		// UpdateAsync draws on both the Get and the Set budget. An injected DataStoreService without budgets
		// (a spec's fake) counts as unlimited.
		const left = !typeIs(this.budget.GetRequestBudgetForRequestType, "function")
			? math.huge
			: math.min(
					this.budget.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.GetAsync),
					this.budget.GetRequestBudgetForRequestType(Enum.DataStoreRequestType.SetIncrementAsync),
				);
		const affordable = math.max(0, math.floor((left - savesFirst) / 2));
		if (changed.size() === 0 || affordable === 0) return 0;
		const chosen = new Array<number>();
		for (let i = 0; i < math.min(affordable, changed.size()); i++) chosen.push(changed[i]);
		return this.backups.EmergencyBackup("shutdown", chosen);
	}
}
