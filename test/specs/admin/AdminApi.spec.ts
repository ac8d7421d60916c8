/**
 * The admin API: every operation behind its capability (denied ones change nothing), edits through the
 * write pipeline for a player held here or offline, grants through the inbox for a player held elsewhere,
 * restore, erase, audit query and export, hooks, and two-person approval of mass operations.
 */
import { CAPABILITIES } from "server/services/admin/Capability";
import { advance } from "../harness/World";
import { GameData, savedData, savedSession, serviceServer, waitUntil } from "../service/support";
import { adminRejection, adminWorld, freshAdminWorld, PII_SCHEMA, stopAdminServers } from "./AdminFixture";

const ADMIN = 9001;
const SECOND = 9002;
const NOBODY = 9003;
const PLAYER = 5001;

const FULL = {
	roles: {
		admin: {
			capabilities: CAPABILITIES.filter((c) => c !== "pii.read"),
			users: [ADMIN, SECOND],
		},
		support: { capabilities: ["data.read"] as const, users: [NOBODY + 100] },
	},
};

export = () => {
	beforeEach(() => freshAdminWorld());
	afterEach(() => stopAdminServers());

	it("refuses every operation to a user without the capability, changing nothing", () => {
		const world = adminWorld({}, FULL);
		world.service.LoadPlayerData(PLAYER).expect();
		const denied = [
			() => world.admin.ViewPlayer(NOBODY, PLAYER),
			() => world.admin.EditPlayer(NOBODY, PLAYER, { coins: 999 }, "test"),
			() => world.admin.GrantPlayer(NOBODY, PLAYER, { coins: 5 }, "test"),
			() => world.admin.RestorePlayer(NOBODY, PLAYER, os.time()),
			() => world.admin.ErasePlayer(NOBODY, PLAYER, "ticket"),
			() => world.admin.QueryAudit(NOBODY, PLAYER),
			() => world.admin.ExportAudit(NOBODY, PLAYER),
			() => world.admin.RunHook(NOBODY, "migration.run"),
			() => world.admin.RequestMassOperation(NOBODY, { kind: "wipe", players: [PLAYER], requestId: "r" }),
			// support holds data.read only
			() => world.admin.EditPlayer(NOBODY + 100, PLAYER, { coins: 999 }, "test"),
		];
		for (const call of denied) expect(adminRejection(world, call).kind).to.equal("Forbidden");
		expect(world.service.GetPlayerData(PLAYER)!.coins).to.equal(0);
		task.wait(1);
		expect(world.service.GetPlayerData(PLAYER)!.coins).to.equal(0);
	});

	it("edits a held player through the write pipeline, audited with the admin and the reason", () => {
		const world = adminWorld({}, FULL);
		const seen = new Array<{ kind: string; source: unknown; admin: unknown }>();
		world.service.AddStage({
			name: "recorder",
			slot: "audit",
			observe: (c) => seen.push({ kind: c.kind, source: c.context.source, admin: c.context.admin }),
		});
		world.service.LoadPlayerData(PLAYER).expect();
		const after = world.call(() => world.admin.EditPlayer(ADMIN, PLAYER, { coins: 250 }, "refund 88").expect());
		expect((after as GameData).coins).to.equal(250);
		expect(world.service.GetPlayerData(PLAYER)!.coins).to.equal(250);
		expect(seen.size()).to.equal(1);
		expect(seen[0].kind).to.equal("update");
		expect(seen[0].source).to.equal("admin");
		expect(seen[0].admin).to.equal(ADMIN);
		// A schema-breaking edit is refused by the pipeline's validation like any change.
		const bad = adminRejection(world, () => world.admin.EditPlayer(ADMIN, PLAYER, { coins: "lots" }, "typo"));
		expect(bad.kind).to.equal("Failed");
		expect(bad.message.find("coins", 1, true)[0] !== undefined).to.equal(true);
		expect(world.service.GetPlayerData(PLAYER)!.coins).to.equal(250);
	});

	it("edits an offline player under its session lock, saves and releases it", () => {
		const world = adminWorld({}, FULL);
		world.service.LoadPlayerData(PLAYER).expect();
		world.service.UpdatePlayerData(PLAYER, { gems: 3 }).expect();
		world.service.ReleasePlayer(PLAYER).expect();
		expect(waitUntil(() => savedSession(PLAYER) === undefined, 10)).to.equal(true);
		world.call(() => world.admin.EditPlayer(ADMIN, PLAYER, { coins: 40 }, "support ticket").expect());
		expect(world.service.GetPlayerData(PLAYER)).to.equal(undefined);
		expect(waitUntil(() => savedData(PLAYER)?.coins === 40, 10)).to.equal(true);
		expect(savedData(PLAYER)!.gems).to.equal(3);
		expect(savedSession(PLAYER)).to.equal(undefined);
	});

	it("refuses to edit a player held by another server, and delivers a grant there through its inbox", () => {
		const world = adminWorld({}, FULL);
		const other = serviceServer();
		other.service.LoadPlayerData(PLAYER).expect();
		const err = adminRejection(world, () => world.admin.EditPlayer(ADMIN, PLAYER, { coins: 1 }, "x"));
		expect(err.kind).to.equal("HeldElsewhere");
		expect(other.service.GetPlayerData(PLAYER)!.coins).to.equal(0);
		world.call(() => world.admin.GrantPlayer(ADMIN, PLAYER, { coins: 75 }, "event prize").expect());
		expect(waitUntil(() => other.service.GetPlayerData(PLAYER)!.coins === 75, 30)).to.equal(true);
		// Exactly once: nothing more arrives later.
		task.wait(10);
		expect(other.service.GetPlayerData(PLAYER)!.coins).to.equal(75);
	});

	it("shows sensitive fields only to holders of pii.read", () => {
		const world = adminWorld(
			{ schema: PII_SCHEMA, template: { coins: 0, gems: 0, level: 1, inventory: {}, email: "" } as never },
			{
				roles: {
					support: { capabilities: ["data.read"], users: [ADMIN] },
					privacy: { capabilities: ["data.read", "pii.read"], users: [SECOND] },
				},
			},
			{ schema: PII_SCHEMA },
		);
		world.service.LoadPlayerData(PLAYER).expect();
		world.service.UpdatePlayerData(PLAYER, { email: "a@b.c" } as never).expect();
		const redacted = world.call(() => world.admin.ViewPlayer(ADMIN, PLAYER).expect()) as {
			email: string;
			coins: number;
		};
		expect(redacted.email).to.equal("[redacted]");
		expect(redacted.coins).to.equal(0);
		const clear = world.call(() => world.admin.ViewPlayer(SECOND, PLAYER).expect()) as { email: string };
		expect(clear.email).to.equal("a@b.c");
	});

	it("restores a held player from a backup", () => {
		const world = adminWorld({ enableBackups: true }, FULL);
		world.service.LoadPlayerData(PLAYER).expect();
		world.service.UpdatePlayerData(PLAYER, { coins: 100 }).expect();
		const good = world.call(() => world.service.GetBackupManager()!.CreateBackup(PLAYER, "good").expect());
		task.wait(2);
		world.service.UpdatePlayerData(PLAYER, { coins: 5 }).expect();
		const result = world.call(() => world.admin.RestorePlayer(ADMIN, PLAYER, good.time).expect());
		expect(result.applied).to.equal(true);
		expect(world.service.GetPlayerData(PLAYER)!.coins).to.equal(100);
	});

	it("queries, exports and erases a player's audit trail, and calls the registered erasers", () => {
		const world = adminWorld({}, FULL);
		world.service.LoadPlayerData(PLAYER).expect();
		world.service.UpdatePlayerData(PLAYER, { coins: 7 }, { source: "quest" }).expect();
		world.call(() => world.audit.Flush().expect());
		const page = world.call(() => world.admin.QueryAudit(ADMIN, PLAYER).expect());
		expect(page.records.size() >= 1).to.equal(true);
		const exported = world.call(() => world.admin.ExportAudit(ADMIN, PLAYER).expect());
		expect(exported.find('"quest"', 1, true)[0] !== undefined).to.equal(true);
		const erased = new Array<number>();
		world.admin.AddEraser((player) => erased.push(player));
		const done = world.call(() => world.admin.ErasePlayer(ADMIN, PLAYER, "gdpr-1").expect());
		expect(done.entries >= 1).to.equal(true);
		expect(erased.join(",")).to.equal(tostring(PLAYER));
		const after = world.call(() => world.admin.ExportAudit(ADMIN, PLAYER).expect());
		expect(after.find('"quest"', 1, true)[0]).to.equal(undefined);
	});

	it("runs only registered hooks, each behind its capability", () => {
		const world = adminWorld({}, { roles: { ops: { capabilities: ["quarantine.release"], users: [ADMIN] } } });
		expect(adminRejection(world, () => world.admin.RunHook(ADMIN, "quarantine.release", {})).kind).to.equal(
			"NotAvailable",
		);
		const released = new Array<defined>();
		world.admin.RegisterHook("quarantine.release", (actor, args) => released.push([actor, args as defined]));
		world.call(() => world.admin.RunHook(ADMIN, "quarantine.release", { player: 5 }).expect());
		expect(released.size()).to.equal(1);
		world.admin.RegisterHook("migration.run", () => error("must not run"));
		expect(adminRejection(world, () => world.admin.RunHook(ADMIN, "migration.run")).kind).to.equal("Forbidden");
		expect(adminRejection(world, () => world.admin.RunHook(ADMIN, "no.such.hook")).kind).to.equal("NotAvailable");
	});

	it("runs a mass operation only once a second admin approves it within the window", () => {
		const world = adminWorld({ enableBackups: true }, FULL, { approvalWindow: 60 });
		const request = () =>
			world.call(() =>
				world.admin
					.RequestMassOperation(ADMIN, { kind: "wipe", players: [PLAYER, PLAYER + 1], requestId: "r-1" })
					.expect(),
			);
		const first = request();
		// The requester cannot approve their own request.
		expect(adminRejection(world, () => world.admin.ApproveMassOperation(ADMIN, first.id)).kind).to.equal(
			"ApprovalInvalid",
		);
		// A user without the capability cannot approve.
		expect(adminRejection(world, () => world.admin.ApproveMassOperation(NOBODY, first.id)).kind).to.equal(
			"Forbidden",
		);
		// Too late.
		advance(61);
		expect(adminRejection(world, () => world.admin.ApproveMassOperation(SECOND, first.id)).kind).to.equal(
			"ApprovalInvalid",
		);
		const second = request();
		const outcome = world.call(() => world.admin.ApproveMassOperation(SECOND, second.id).expect());
		expect(outcome.kind).to.equal("wipe");
		expect(outcome.results.size()).to.equal(2);
		expect(outcome.results.every((r) => r.ok)).to.equal(true);
		// Used once.
		expect(adminRejection(world, () => world.admin.ApproveMassOperation(SECOND, second.id)).kind).to.equal(
			"ApprovalInvalid",
		);
	});

	it("refuses malformed arguments with typed errors naming the argument", () => {
		const world = adminWorld({}, FULL);
		const cases: Array<[() => Promise<unknown>, string]> = [
			[() => world.admin.ViewPlayer(ADMIN, "5001" as never), "target"],
			[() => world.admin.EditPlayer(ADMIN, PLAYER, "coins" as never, "r"), "changes"],
			[() => world.admin.EditPlayer(ADMIN, PLAYER, { coins: 1 }, "" as never), "reason"],
			[() => world.admin.GrantPlayer(ADMIN, PLAYER, 5 as never, "r"), "amounts"],
			[() => world.admin.RestorePlayer(ADMIN, PLAYER, "now" as never), "time"],
			[() => world.admin.RequestMassOperation(ADMIN, { kind: "nuke" } as never), "operation.kind"],
			[() => world.admin.RequestMassOperation(ADMIN, { kind: "wipe", players: [1, "2"] } as never), "players[2]"],
		];
		for (const [call, name] of cases) {
			const err = adminRejection(world, call);
			expect(err.kind).to.equal("InvalidArgument");
			expect(err.message.find(name, 1, true)[0] !== undefined).to.equal(true);
		}
	});
};
