import { BackupError, BackupManager, RestoreTarget } from "shared/core/BackupManager";
import type { BackupRing } from "shared/core/backup/BackupRing";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { cloudMillis, resetCloud, skipCloudClock, skipToNextHour, storedValue } from "../harness/Cloud";

const PRIMARY = "DataService.Backups";

type Data = { coins: number };

function ring(playerId: number): BackupRing | undefined {
	return (storedValue(PRIMARY, tostring(playerId)) as { d?: BackupRing } | undefined)?.d;
}

/**
 * A manager on the cloud's own clock (skipCloudClock moves it, so UTC hours and their versions pass without
 * running the world), keeping every backup for 2 hours only: older history lives in DataStore versions.
 */
function setup() {
	resetCloud();
	const held = new Map<number, object>();
	const target: RestoreTarget = {
		current(id) {
			return held.get(id);
		},
		replace(id, data) {
			held.set(id, data);
		},
	};
	const dal = new DataAccessLayer({ warnings: false, clock: () => cloudMillis() / 1000 });
	const backups = new BackupManager({
		dataAccessLayer: dal,
		warnings: false,
		target,
		retention: [{ maxAge: 2 * 3600, spacing: 0 }],
	});
	/** Sets the player's data and backs it up (both stores); returns the backup's time. */
	const backUp = (id: number, coins: number): number => {
		held.set(id, { coins });
		return backups.CreateBackup(id, `coins ${coins}`).expect().time;
	};
	return { backups, backUp };
}

export = () => {
	it("restores a time older than the live ring keeps from the ring's DataStore version of that hour", () => {
		const { backups, backUp } = setup();
		skipToNextHour(60);
		const first = backUp(31, 1);
		skipCloudClock(1200);
		const second = backUp(31, 2);
		// Five more hours of hourly backups: retention (2 h) drops the first two from the live ring.
		for (let hour = 1; hour <= 5; hour++) {
			skipToNextHour(60);
			backUp(31, 10 + hour);
		}
		expect(ring(31)!.e.every((e) => e.t > second)).to.equal(true);

		const atSecond = backups.RestorePlayer(31, second + 600, { dryRun: true }).expect();
		expect(atSecond.source).to.equal("version");
		expect(atSecond.backup.time).to.equal(second);
		expect((atSecond.data as Data).coins).to.equal(2);
		const atFirst = backups.RestorePlayer(31, first + 10, { dryRun: true }).expect();
		expect(atFirst.source).to.equal("version");
		expect((atFirst.data as Data).coins).to.equal(1);
		// A real restore from a version applies like any other.
		const done = backups.RestorePlayer(31, second + 600).expect();
		expect(done.applied).to.equal(true);
		expect((done.data as Data).coins).to.equal(2);

		// Within the live ring's reach at the interval's resolution, the live ring serves, no version read.
		const recent = backups.RestorePlayer(31, cloudMillis() / 1000, { dryRun: true }).expect();
		expect(recent.source).to.equal("ring");
		expect((recent.data as Data).coins).to.equal(15);
	});

	it("refuses with NoVerifiedBackup, saying no version exists, for a time before the ring's first write", () => {
		const { backups, backUp } = setup();
		skipToNextHour(60);
		const first = backUp(32, 7);
		const [ok, err] = backups.RestorePlayer(32, first - 3600, { dryRun: true }).await();
		expect(ok).to.equal(false);
		const e = err as BackupError;
		expect(e.kind).to.equal("NoVerifiedBackup");
		expect(e.message.find("no DataStore version of either ring", 1, true)[0] !== undefined).to.equal(true);
		expect(e.message.find(`${PRIMARY}/32`, 1, true)[0] !== undefined).to.equal(true);
	});
};
