import { DataStoreService } from "@rbxts/services";
import { BackupError, BackupManager, RestoreTarget } from "shared/core/BackupManager";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import type { BackupRing } from "shared/core/backup/BackupRing";
import { canonicalJson } from "shared/core/dal/Canonical";
import { clearDataStoreFaults, resetCloud, storedValue } from "../harness/Cloud";
import { corruptBackup } from "./corruptBackup";

const PRIMARY = "DataService.Backups";
const SECONDARY = "DataService.Backups.Secondary";
const EncodingService = game.GetService("EncodingService");

type Data = { coins: number; inventory?: Record<string, number> };

/** A target holding players in a table, recording each replace. */
function fakeTarget(): RestoreTarget & { held: Map<number, object>; replaced: Array<[number, object]> } {
	const held = new Map<number, object>();
	const replaced = new Array<[number, object]>();
	return {
		held,
		replaced,
		current(id) {
			return held.get(id);
		},
		replace(id, data) {
			replaced.push([id, data]);
			held.set(id, data);
		},
	};
}

/**
 * A manager on the emulated cloud with a clock the spec moves. Automatic backups write both stores at once
 * here, so each pass's backup is in both rings; BackupStaggered.spec pins the default staggered copies.
 */
function setup(extra: Partial<ConstructorParameters<typeof BackupManager>[0]> = {}) {
	const clock = { now: 1_000_000 };
	const dal = new DataAccessLayer({ warnings: false });
	const target = fakeTarget();
	const backups = new BackupManager({
		dataAccessLayer: dal,
		clock: () => clock.now,
		target,
		warnings: false,
		automaticCopies: "both",
		...extra,
	});
	return { clock, dal, target, backups };
}

function ring(store: string, playerId: number): BackupRing | undefined {
	return (storedValue(store, tostring(playerId)) as { d?: BackupRing } | undefined)?.d;
}

function hex(bytes: buffer): string {
	const parts = new Array<string>();
	for (let i = 0; i < buffer.len(bytes); i++) parts.push(string.format("%02x", buffer.readu8(bytes, i)));
	return parts.join("");
}

function rejectionOf(promise: Promise<unknown>): BackupError {
	const [ok, err] = promise.await();
	if (ok) error("expected the promise to reject", 2);
	return err as BackupError;
}

/** A realistic profile: currencies, settings, 150 items, 40 quests, stats and achievements. */
function realisticProfile(seed: number): object {
	const random = new Random(seed);
	const items = new Array<object>();
	for (let i = 1; i <= 150; i++) {
		items.push({
			id: `item_${random.NextInteger(1000, 9999)}`,
			level: random.NextInteger(1, 50),
			rarity: ["common", "rare", "epic", "legendary"][random.NextInteger(0, 3)],
			equipped: random.NextNumber() < 0.1,
			acquiredAt: 1_700_000_000 + random.NextInteger(0, 10_000_000),
		});
	}
	const quests: Record<string, object> = {};
	for (let i = 1; i <= 40; i++)
		quests[`quest_${i}`] = { progress: random.NextInteger(0, 100), done: random.NextNumber() < 0.5 };
	const achievements = new Array<string>();
	for (let i = 1; i <= 60; i++) achievements.push(`achievement_${random.NextInteger(1, 500)}`);
	return {
		coins: random.NextInteger(0, 1e6),
		gems: random.NextInteger(0, 5000),
		level: random.NextInteger(1, 100),
		xp: random.NextInteger(0, 1e7),
		settings: { music: true, sfx: false, camera: "classic", sensitivity: 0.55 },
		inventory: items,
		quests,
		stats: {
			kills: random.NextInteger(0, 1e5),
			deaths: random.NextInteger(0, 1e5),
			playtime: random.NextInteger(0, 1e6),
		},
		achievements,
	};
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	describe("storage", () => {
		it("writes each backup to a primary and a secondary store, with the SHA-256 of its data's JSON", () => {
			const { backups } = setup();
			backups.NoteChange(1, { coins: 5 });
			const result = backups.CreateBackup(1, "before event").expect();
			expect(result.copies).to.equal(2);
			const json = canonicalJson({ coins: 5 });
			const sha = hex(EncodingService.ComputeBufferHash(buffer.fromstring(json), Enum.HashAlgorithm.Sha256));
			for (const store of [PRIMARY, SECONDARY]) {
				const stored = ring(store, 1)!;
				expect(stored.e.size()).to.equal(1);
				expect(stored.e[0].h).to.equal(sha);
				expect(stored.e[0].k).to.equal("manual");
				expect(stored.e[0].l).to.equal("before event");
				expect(stored.e[0].n).to.equal(json.size());
			}
			expect(backups.GetStatistics().manual).to.equal(1);
		});

		it("compresses a realistic 150-item profile to under a third of its JSON and reports the sizes", () => {
			const { backups, clock } = setup();
			const profile = realisticProfile(7);
			backups.NoteChange(2, profile);
			const first = backups.CreateBackup(2, "a").expect();
			print(
				`[measure] realistic profile: ${first.rawBytes} JSON characters, ${first.bytes} stored (Zstd+Base64)`,
			);
			expect(first.bytes < first.rawBytes / 3).to.equal(true);
			// 48 five-minute backups of a changing profile (4 hours), projected to a day (288).
			for (let i = 0; i < 47; i++) {
				clock.now += 300;
				(profile as { coins: number }).coins += 10;
				backups.NoteChange(2, profile);
				backups.RunAutomatic();
			}
			const stored = canonicalJson(storedValue(PRIMARY, "2"));
			const day = math.ceil((stored.size() / 48) * 288);
			print(
				`[measure] 48 backups in one ring: ${stored.size()} characters; a day (288) projects to ${day} (limit 4,194,304)`,
			);
			expect(ring(PRIMARY, 2)!.e.size()).to.equal(48);
			expect(day < 4194304).to.equal(true);
		});

		it("drops the oldest backups to keep the ring under maxRingCharacters, keeping the newest", () => {
			const { backups, clock } = setup({ maxRingCharacters: 20000 });
			for (let i = 1; i <= 40; i++) {
				clock.now += 300;
				backups.NoteChange(3, realisticProfile(i));
				backups.RunAutomatic();
			}
			const stored = ring(PRIMARY, 3)!;
			expect(canonicalJson(stored).size() <= 20000).to.equal(true);
			expect(stored.e.size() < 40).to.equal(true);
			expect(stored.e[stored.e.size() - 1].t).to.equal(clock.now);
		});
	});

	describe("automatic backups", () => {
		it("backs up only the players whose data changed since their last backup, nothing for idle ones", () => {
			const { backups, clock } = setup();
			backups.NoteChange(10, { coins: 1 });
			backups.NoteChange(11, { coins: 1 });
			expect(backups.RunAutomatic()).to.equal(2);
			clock.now += 300;
			backups.NoteChange(10, { coins: 2 });
			expect(backups.RunAutomatic()).to.equal(1);
			expect(ring(PRIMARY, 10)!.e.size()).to.equal(2);
			expect(ring(PRIMARY, 11)!.e.size()).to.equal(1);
			clock.now += 300;
			expect(backups.RunAutomatic()).to.equal(0);
			expect(ring(PRIMARY, 10)!.e.size()).to.equal(2);
			expect(backups.GetStatistics().automatic).to.equal(3);
		});

		it("runs every interval once started, and stops", () => {
			const { backups } = setup({ interval: 60, clock: undefined });
			backups.NoteChange(12, { coins: 1 });
			backups.Start();
			task.wait(61);
			expect(ring(PRIMARY, 12)?.e.size()).to.equal(1);
			backups.NoteChange(12, { coins: 2 });
			// The pass at 120 s writes through the DataStore, whose latency has a tail of up to about 2 s.
			task.wait(62);
			expect(ring(PRIMARY, 12)!.e.size()).to.equal(2);
			backups.Stop();
			backups.NoteChange(12, { coins: 3 });
			task.wait(130);
			expect(ring(PRIMARY, 12)!.e.size()).to.equal(2);
		});

		it("measures the recovery point as the age of the oldest newest-backup among players still held", () => {
			const { backups, clock, target } = setup();
			expect(backups.GetStatistics().recoveryPoint).to.equal(undefined);
			target.held.set(13, { coins: 1 });
			target.held.set(14, { coins: 1 });
			backups.NoteChange(13, { coins: 1 });
			backups.RunAutomatic();
			clock.now += 120;
			backups.NoteChange(14, { coins: 1 });
			backups.RunAutomatic();
			clock.now += 60;
			expect(backups.GetStatistics().recoveryPoint).to.equal(180);
			expect(backups.GetStatistics().trackedPlayers).to.equal(2);
			// Player 13 leaves: the next pass stops tracking them, so only 14's backup counts.
			target.held.delete(13);
			backups.RunAutomatic();
			expect(backups.GetStatistics().trackedPlayers).to.equal(1);
			expect(backups.GetStatistics().recoveryPoint).to.equal(60);
		});
	});

	describe("restore", () => {
		/** Three backups of player 20 at t0, t0+300, t0+600 holding coins 1, 2, 3. */
		function threeBackups() {
			const s = setup();
			const ids = new Array<string>();
			for (let coins = 1; coins <= 3; coins++) {
				if (coins > 1) s.clock.now += 300;
				s.backups.NoteChange(20, { coins });
				ids.push(s.backups.CreateBackup(20, `c${coins}`).expect().id);
			}
			s.target.held.set(20, { coins: 99 });
			return { ...s, ids, t0: s.clock.now - 600 };
		}

		it("restores the newest backup at or before the time, and a dry run returns the diff and changes nothing", () => {
			const { backups, target, t0 } = threeBackups();
			const preview = backups.RestorePlayer(20, t0 + 450, { dryRun: true }).expect();
			expect(preview.applied).to.equal(false);
			expect((preview.data as Data).coins).to.equal(2);
			expect(preview.diff!.size()).to.equal(1);
			expect(preview.diff![0].path[0]).to.equal("coins");
			expect(preview.diff![0].value).to.equal(2);
			expect(target.replaced.size()).to.equal(0);
			const done = backups.RestorePlayer(20, t0 + 450).expect();
			expect(done.applied).to.equal(true);
			expect(done.fallbacks.size()).to.equal(0);
			expect(done.copy).to.equal("primary");
			expect((target.replaced[0][1] as Data).coins).to.equal(2);
			expect(backups.GetStatistics().restores).to.equal(1);
		});

		it("falls back to the secondary copy when the primary fails its checksum, and reports it", () => {
			const { backups, dal, target, ids, t0 } = threeBackups();
			corruptBackup(dal, PRIMARY, 20, ids[2]);
			const done = backups.RestorePlayer(20, t0 + 600).expect();
			expect(done.copy).to.equal("secondary");
			expect(done.backup.id).to.equal(ids[2]);
			expect(done.fallbacks.size()).to.equal(1);
			expect(done.fallbacks[0].copy).to.equal("primary");
			expect(done.fallbacks[0].reason).to.equal("checksum");
			expect((target.replaced[0][1] as Data).coins).to.equal(3);
			expect(backups.GetStatistics().verificationFailures).to.equal(1);
		});

		it("uses the primary when the secondary is missing, and an older backup when the primary is bad too", () => {
			const { backups, dal, target, ids, t0 } = threeBackups();
			dal.remove({ store: SECONDARY, key: "20" }).expect();
			const fine = backups.RestorePlayer(20, t0 + 600, { dryRun: true }).expect();
			expect(fine.copy).to.equal("primary");
			expect((fine.data as Data).coins).to.equal(3);
			corruptBackup(dal, PRIMARY, 20, ids[2]);
			const done = backups.RestorePlayer(20, t0 + 600).expect();
			expect(done.backup.id).to.equal(ids[1]);
			expect(done.copy).to.equal("primary");
			const reasons = done.fallbacks.map(
				(f) => `${f.backupId === ids[2] ? "newest" : "?"}/${f.copy}/${f.reason}`,
			);
			expect(reasons.join(",")).to.equal("newest/primary/checksum,newest/secondary/missing");
			expect((target.replaced[0][1] as Data).coins).to.equal(2);
		});

		it("falls back to an older backup when both copies are bad, counting an unreadable envelope as bad", () => {
			const { backups, dal, target, ids, t0 } = threeBackups();
			corruptBackup(dal, PRIMARY, 20, ids[2]);
			// The secondary's envelope itself is damaged (stored behind the DataAccessLayer's back).
			const raw = storedValue(SECONDARY, "20") as { d: BackupRing };
			const damaged = { ...raw, d: { v: 1, e: raw.d.e.map((e) => ({ ...e, t: e.t + 1 })) } };
			DataStoreService.GetDataStore(SECONDARY).SetAsync("20", damaged);
			const done = backups.RestorePlayer(20, t0 + 600).expect();
			expect(done.backup.id).to.equal(ids[1]);
			expect(done.copy).to.equal("primary");
			const reasons = done.fallbacks.map((f) => `${f.copy}/${f.reason}`);
			expect(reasons.join(",")).to.equal("primary/checksum,secondary/unreadable");
			expect((target.replaced[0][1] as Data).coins).to.equal(2);
		});

		it("refuses with NoVerifiedBackup and every fallback when no copy verifies, restoring nothing", () => {
			const { backups, dal, target, ids, t0 } = threeBackups();
			for (const store of [PRIMARY, SECONDARY]) for (const id of ids) corruptBackup(dal, store, 20, id);
			const err = rejectionOf(backups.RestorePlayer(20, t0 + 600));
			expect(err.kind).to.equal("NoVerifiedBackup");
			expect(err.fallbacks!.size()).to.equal(6);
			expect(target.replaced.size()).to.equal(0);
			expect(target.held.get(20)).to.never.equal(undefined);
			expect((target.held.get(20) as Data).coins).to.equal(99);
			expect(backups.GetStatistics().restoreFailures).to.equal(1);
		});

		it("refuses a restore before the first backup, and a real restore of a player this server does not hold", () => {
			const { backups, target, t0 } = threeBackups();
			expect(rejectionOf(backups.RestorePlayer(20, t0 - 1)).kind).to.equal("NoVerifiedBackup");
			target.held.delete(20);
			expect(rejectionOf(backups.RestorePlayer(20, t0 + 600)).kind).to.equal("NotHeld");
			expect(backups.RestorePlayer(20, t0 + 600, { dryRun: true }).expect().diff).to.equal(undefined);
		});
		it("keeps the fields named in keep from the current data (what was bought after the time)", () => {
			const { backups, target, t0 } = threeBackups();
			target.held.set(20, { coins: 99, receipts: { r1: true } });
			const preview = backups.RestorePlayer(20, t0, { dryRun: true, keep: ["receipts"] }).expect();
			expect(preview.diff!.size()).to.equal(1);
			expect(preview.diff![0].path[0]).to.equal("coins");
			backups.RestorePlayer(20, t0, { keep: ["receipts"] }).expect();
			const restored = target.replaced[0][1] as Data & { receipts: { r1: boolean } };
			expect(restored.coins).to.equal(1);
			expect(restored.receipts.r1).to.equal(true);
		});

		it("restores an offline player under their session lock with offline: true, releasing even on failure", () => {
			const { backups, target, t0 } = threeBackups();
			target.held.delete(20);
			const steps = new Array<string>();
			let refuse = false;
			const offline: RestoreTarget = {
				current(id) {
					return target.current(id);
				},
				replace(id, data, context) {
					steps.push("replace");
					if (refuse) error("refused by a stage");
					target.replace(id, data, context);
				},
				acquire(id) {
					steps.push("acquire");
					target.held.set(id, { coins: 50 });
				},
				release(id) {
					steps.push("release");
					target.held.delete(id);
				},
			};
			backups.SetRestoreTarget(offline);
			expect(rejectionOf(backups.RestorePlayer(20, t0 + 600)).kind).to.equal("NotHeld");
			expect(steps.size()).to.equal(0);
			const done = backups.RestorePlayer(20, t0 + 600, { offline: true }).expect();
			expect((done.data as Data).coins).to.equal(3);
			expect(steps.join(",")).to.equal("acquire,replace,release");
			refuse = true;
			expect(rejectionOf(backups.RestorePlayer(20, t0, { offline: true })).kind).to.equal("RestoreFailed");
			expect(steps.join(",")).to.equal("acquire,replace,release,acquire,replace,release");
			expect(target.held.has(20)).to.equal(false);
		});
	});

	describe("retention", () => {
		it("keeps every backup in the first tier and the newest per hour in the next, dropping older ones", () => {
			const { backups, clock } = setup({
				retention: [
					{ maxAge: 3600, spacing: 0 },
					{ maxAge: 86400, spacing: 3600 },
				],
			});
			// One backup every 5 minutes for 30 hours (361 backups at t = k * 300).
			clock.now = 0;
			for (let k = 0; k <= 360; k++) {
				clock.now = k * 300;
				backups.NoteChange(30, { coins: k });
				backups.RunAutomatic();
			}
			// The last hour: 13 backups (ages 0..3600); then one per hour-slot 6..28 (23); older dropped.
			const stored = ring(PRIMARY, 30)!;
			expect(stored.e.size()).to.equal(36);
			expect(ring(SECONDARY, 30)!.e.size()).to.equal(36);
			expect(stored.e[0].t).to.equal(6 * 3600 + 3300);
		});

		it("Cleanup prunes an idle player's ring but keeps its newest backup", () => {
			const { backups, clock } = setup();
			backups.NoteChange(31, { coins: 1 });
			backups.RunAutomatic();
			clock.now += 600;
			backups.NoteChange(31, { coins: 2 });
			backups.RunAutomatic();
			clock.now += 40 * 86400;
			expect(backups.Cleanup(31).expect()).to.equal(1);
			expect(ring(PRIMARY, 31)!.e.size()).to.equal(1);
			expect(ring(SECONDARY, 31)!.e.size()).to.equal(1);
			expect(backups.RestorePlayer(31, clock.now, { dryRun: true }).expect().data).to.never.equal(undefined);
		});

		it("refuses tiers that are not increasing, naming the field", () => {
			const [ok, err] = pcall(() =>
				setup({
					retention: [
						{ maxAge: 10, spacing: 0 },
						{ maxAge: 5, spacing: 0 },
					],
				}),
			);
			expect(ok).to.equal(false);
			expect(tostring(err).find("retention%[2%]%.maxAge")[0] !== undefined).to.equal(true);
		});
	});

	describe("emergency and failures", () => {
		it("an emergency backup covers the players with changes not yet backed up, labelled with the reason", () => {
			const { backups } = setup();
			backups.NoteChange(40, { coins: 1 });
			backups.NoteChange(41, { coins: 1 });
			backups.RunAutomatic();
			backups.NoteChange(41, { coins: 2 });
			expect(backups.EmergencyBackup("critical state")).to.equal(1);
			const stored = ring(PRIMARY, 41)!;
			expect(stored.e[1].k).to.equal("emergency");
			expect(stored.e[1].l).to.equal("critical state");
		});

		it("a backup whose data cannot be compressed fails with BackupFailed and is counted", () => {
			const broken = {
				ComputeBufferHash(b: buffer, a: Enum.HashAlgorithm) {
					return EncodingService.ComputeBufferHash(b, a);
				},
				CompressBuffer(): buffer {
					return error("compressor down");
				},
				DecompressBuffer(b: buffer, a: Enum.CompressionAlgorithm) {
					return EncodingService.DecompressBuffer(b, a);
				},
				Base64Encode(b: buffer) {
					return EncodingService.Base64Encode(b);
				},
				Base64Decode(b: buffer) {
					return EncodingService.Base64Decode(b);
				},
			};
			const { backups } = setup({ encoding: broken });
			backups.NoteChange(42, { coins: 1 });
			const err = rejectionOf(backups.CreateBackup(42, "x"));
			expect(err.kind).to.equal("BackupFailed");
			expect(err.message.find("compressor down")[0] !== undefined).to.equal(true);
			expect(backups.PreUpdateBackup(42, { coins: 1 }, "update")).to.never.equal(undefined);
		});
	});
};
