import { BackupManager, BackupManagerConfig } from "shared/core/BackupManager";
import { DataAccessLayer, DataDocument, WriteOptions } from "shared/core/DataAccessLayer";
import type { BackupRing } from "shared/core/backup/BackupRing";
import type { KeyRef } from "shared/core/dal/KeyRef";
import { clearDataStoreFaults, dataStoreWrites, resetCloud, storedValue } from "../harness/Cloud";
import { corruptBackup } from "./corruptBackup";

const PRIMARY = "DataService.Backups";
const SECONDARY = "DataService.Backups.Secondary";

/** A DataAccessLayer whose writes to the stores in `down` fail (one store of two out of service). */
class StoreDownDal extends DataAccessLayer {
	readonly down = new Set<string>();

	update<T>(
		ref: KeyRef,
		change: (current: T | undefined, document?: DataDocument<T>) => T | undefined,
		options?: WriteOptions,
	): Promise<DataDocument<T> | undefined> {
		if (this.down.has(ref.store))
			return Promise.reject({ kind: "Unavailable", message: `${ref.store} is down` }) as Promise<never>;
		return super.update(ref, change, options);
	}
}

function setup(extra: Partial<BackupManagerConfig> = {}) {
	const clock = { now: 2_000_000 };
	const dal = new StoreDownDal({ warnings: false });
	const backups = new BackupManager({ dataAccessLayer: dal, clock: () => clock.now, warnings: false, ...extra });
	return { clock, dal, backups };
}

function ids(store: string, playerId: number): Array<string> {
	const ring = (storedValue(store, tostring(playerId)) as { d?: BackupRing } | undefined)?.d;
	return ring === undefined ? [] : ring.e.map((e) => e.i);
}

function backupWrites(): number {
	return dataStoreWrites(PRIMARY).size() + dataStoreWrites(SECONDARY).size();
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	it("makes one write per changed player per pass, and every backup is in both stores one pass later", () => {
		const { backups, clock } = setup();
		const players = 10;
		// One hour of 5-minute passes, every player changing between passes.
		for (let pass = 1; pass <= 12; pass++) {
			for (let p = 1; p <= players; p++) backups.NoteChange(p, { coins: pass * 100 + p });
			expect(backups.RunAutomatic()).to.equal(players);
			clock.now += 300;
		}
		expect(backupWrites()).to.equal(12 * players);
		const stats = backups.GetStatistics();
		expect(stats.writeRequests).to.equal(12 * players);
		expect(stats.automatic).to.equal(12 * players);
		// 11 of 12 backups are in both stores; the newest is owed to one store.
		for (let p = 1; p <= players; p++) {
			const both = ids(PRIMARY, p).filter((i) => ids(SECONDARY, p).includes(i));
			expect(both.size()).to.equal(11);
			expect(ids(PRIMARY, p).size() + ids(SECONDARY, p).size()).to.equal(23);
		}
		// The players go idle: one last write each delivers the owed copy, then nothing.
		expect(backups.RunAutomatic()).to.equal(0);
		expect(backupWrites()).to.equal(13 * players);
		for (let p = 1; p <= players; p++) {
			expect(ids(PRIMARY, p).size()).to.equal(12);
			expect(ids(SECONDARY, p).join(",")).to.equal(ids(PRIMARY, p).join(","));
		}
		expect(backups.GetStatistics().catchUpCopies).to.equal(12 * players);
		clock.now += 300;
		backups.RunAutomatic();
		expect(backupWrites()).to.equal(13 * players);
	});

	it("with automaticCopies both, writes both stores every pass (twice the requests)", () => {
		const { backups } = setup({ automaticCopies: "both" });
		backups.NoteChange(1, { coins: 1 });
		backups.RunAutomatic();
		expect(backupWrites()).to.equal(2);
		expect(ids(SECONDARY, 1).join(",")).to.equal(ids(PRIMARY, 1).join(","));
	});

	it("keeps backing up through a store that is down, and delivers what it missed once it is back", () => {
		const { backups, clock, dal } = setup();
		dal.down.add(SECONDARY);
		for (let pass = 1; pass <= 6; pass++) {
			backups.NoteChange(1, { coins: pass });
			backups.RunAutomatic();
			clock.now += 300;
		}
		// Every other pass tries the secondary and fails; the others land in the primary with each new backup.
		expect(ids(SECONDARY, 1).size()).to.equal(0);
		expect(ids(PRIMARY, 1).size()).to.equal(3);
		const restorable = backups.RestorePlayer(1, clock.now, { dryRun: true }).expect();
		expect((restorable.data as { coins: number }).coins).to.equal(5);
		dal.down.delete(SECONDARY);
		// The change the last (failed) pass missed goes first to the store that worked, then the copies follow.
		backups.RunAutomatic();
		expect(ids(PRIMARY, 1).size()).to.equal(4);
		expect(ids(SECONDARY, 1).size()).to.equal(0);
		clock.now += 300;
		backups.RunAutomatic();
		expect(ids(SECONDARY, 1).join(",")).to.equal(ids(PRIMARY, 1).join(","));
		expect(backups.GetStatistics().catchUpCopies).to.equal(4);
	});

	it("a corrupt newest backup that has only one copy yet falls back to the one before it, a pass older", () => {
		const { backups, clock, dal } = setup();
		backups.NoteChange(1, { coins: 1 });
		backups.RunAutomatic();
		clock.now += 300;
		backups.NoteChange(1, { coins: 2 });
		backups.RunAutomatic();
		const newest = ids(SECONDARY, 1).filter((i) => !ids(PRIMARY, 1).includes(i));
		expect(newest.size()).to.equal(1);
		corruptBackup(dal, SECONDARY, 1, newest[0]);
		const done = backups.RestorePlayer(1, clock.now, { dryRun: true }).expect();
		expect((done.data as { coins: number }).coins).to.equal(1);
		expect(done.fallbacks.map((f) => `${f.copy}/${f.reason}`).join(",")).to.equal(
			"primary/missing,secondary/checksum",
		);
	});

	it("a manual backup writes both stores and carries the copies each was owed", () => {
		const { backups } = setup();
		backups.NoteChange(1, { coins: 1 });
		backups.RunAutomatic();
		expect(backups.CreateBackup(1, "now").expect().copies).to.equal(2);
		expect(ids(PRIMARY, 1).size()).to.equal(2);
		expect(ids(SECONDARY, 1).join(",")).to.equal(ids(PRIMARY, 1).join(","));
	});
};
