import type { LockedProfile } from "./LockedProfile";

/** Seconds between two looks at the held profiles (a change waits at most the window plus this). */
const TICK = 0.5;

/**
 * The auto-save of DataService's own session lock: every `window` seconds per profile (counted from its
 * load), a profile whose data, meta tags or user ids changed since its last completed save is saved; one
 * that did not change is not written at all, so an idle player costs no DataStore request. A crash loses at
 * most the changes of one window (plus a save's round trip); changes that must not be lost are saved at
 * once instead (durable updates).
 *
 * @example
 * ```ts
 * const autoSave = new DurabilityWindow(30, () => store.profiles());
 * autoSave.stop(); // on Destroy
 * ```
 */
export class DurabilityWindow {
	private running = true;

	/**
	 * @param window - seconds between two saves of one profile (DataServiceConfig.durabilityWindow).
	 * @param profiles - the profiles held now.
	 */
	constructor(
		private readonly window: number,
		private readonly profiles: () => ReadonlyArray<LockedProfile>,
	) {
		task.spawn(() => {
			while (this.running) {
				task.wait(TICK);
				if (this.running) this.tick();
			}
		});
	}

	/** Stops the auto-save (the held profiles are saved only when asked or released). */
	stop(): void {
		this.running = false;
	}

	private tick(): void {
		const now = os.clock();
		for (const profile of this.profiles()) {
			if (profile.nextSaveAt === 0) profile.nextSaveAt = now + this.window;
			if (now < profile.nextSaveAt || !profile.IsActive()) continue;
			profile.nextSaveAt = now + this.window;
			if (profile.changed()) profile.Save();
		}
	}
}
