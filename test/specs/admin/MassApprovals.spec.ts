/**
 * Two-person approval of destructive mass operations (issue 17): pending approvals live in a MemoryStore hash
 * map, so a second admin approves from any server; the approval is taken atomically (two admins approving at
 * once on two servers run it once); the requester never approves their own request; and each kind (mass
 * restore, wipe, mass migration) does nothing until it is approved.
 */
import { CAPABILITIES } from "server/services/admin/Capability";
import { withFaults } from "../harness/Faults";
import { advance } from "../harness/World";
import { waitUntil } from "../service/support";
import { adminRejection, adminWorld, AdminWorld, freshAdminWorld, stopAdminServers } from "./AdminFixture";

const ADMIN = 9001;
const SECOND = 9002;
const THIRD = 9004;
const NOBODY = 9003;
const PLAYER = 5001;

const ROLES = {
	roles: {
		admin: { capabilities: CAPABILITIES.filter((c) => c !== "pii.read"), users: [ADMIN, SECOND, THIRD] },
		support: { capabilities: ["data.read"] as const, users: [NOBODY] },
	},
};

function requestMigration(world: AdminWorld, actor: number, args: unknown): string {
	return world.call(() => world.admin.RequestMassOperation(actor, { kind: "massMigration", args }).expect()).id;
}

export = () => {
	beforeEach(() => freshAdminWorld());
	afterEach(() => stopAdminServers());

	// Inside the module's function: TestEZ gives `expect` to this scope only.
	const refusedToRequesterAndNonHolder = (world: AdminWorld, id: string) => {
		expect(adminRejection(world, () => world.admin.ApproveMassOperation(ADMIN, id)).kind).to.equal(
			"ApprovalInvalid",
		);
		expect(adminRejection(world, () => world.admin.ApproveMassOperation(NOBODY, id)).kind).to.equal("Forbidden");
	};

	it("lets an admin on another server approve a request, never its requester, and only once", () => {
		const a = adminWorld({}, ROLES, { approvalWindow: 60 });
		const b = adminWorld({}, ROLES, { approvalWindow: 60 });
		const ran = new Array<string>();
		for (const [world, name] of [
			[a, "a"],
			[b, "b"],
		] as const) {
			world.admin.RegisterHook("migration.run", (actor, args) => ran.push(`${name}:${actor}:${args}`));
		}
		const id = requestMigration(a, ADMIN, "v7");
		// The requester, from the other server too, cannot approve their own request.
		expect(adminRejection(b, () => b.admin.ApproveMassOperation(ADMIN, id)).kind).to.equal("ApprovalInvalid");
		expect(adminRejection(a, () => a.admin.ApproveMassOperation(ADMIN, id)).kind).to.equal("ApprovalInvalid");
		// A user without migrate.run cannot approve from anywhere.
		expect(adminRejection(b, () => b.admin.ApproveMassOperation(NOBODY, id)).kind).to.equal("Forbidden");
		expect(ran.size()).to.equal(0);
		const outcome = b.call(() => b.admin.ApproveMassOperation(SECOND, id).expect());
		expect(outcome.kind).to.equal("massMigration");
		expect(outcome.results[0].ok).to.equal(true);
		// It ran on the approving server, as the requester's operation.
		expect(ran.join(",")).to.equal(`b:${ADMIN}:v7`);
		// Used: neither server runs it again.
		expect(adminRejection(a, () => a.admin.ApproveMassOperation(THIRD, id)).kind).to.equal("ApprovalInvalid");
		expect(adminRejection(b, () => b.admin.ApproveMassOperation(SECOND, id)).kind).to.equal("ApprovalInvalid");
		expect(ran.size()).to.equal(1);
		// The window holds across servers: filed on b, too late on a after 61 s.
		const late = requestMigration(b, SECOND, "v8");
		advance(61);
		expect(adminRejection(a, () => a.admin.ApproveMassOperation(ADMIN, late)).kind).to.equal("ApprovalInvalid");
		expect(ran.size()).to.equal(1);
	});

	it("runs a request once when two admins approve it at the same instant on two servers", () => {
		const a = adminWorld({}, ROLES, { approvalWindow: 60 });
		const b = adminWorld({}, ROLES, { approvalWindow: 60 });
		let runs = 0;
		a.admin.RegisterHook("migration.run", () => (runs += 1));
		b.admin.RegisterHook("migration.run", () => (runs += 1));
		for (let round = 1; round <= 5; round++) {
			const id = requestMigration(a, ADMIN, round);
			const outcomes = new Array<string>();
			// 0.4 s each way for every MemoryStore request: both approvals read the pending request before
			// either commits, so only an atomic take keeps the second from running it too.
			withFaults({ memoryStore: { latency: { min: 0.8, max: 0.8 } } }, () => {
				for (const [world, approver] of [
					[a, SECOND],
					[b, THIRD],
				] as const) {
					world.call(() =>
						task.spawn(() => {
							const [ok, err] = world.admin.ApproveMassOperation(approver, id).await();
							outcomes.push(ok ? "ran" : (err as { kind: string }).kind);
						}),
					);
				}
				expect(waitUntil(() => outcomes.size() === 2, 30)).to.equal(true);
			});
			outcomes.sort();
			expect(outcomes.join(",")).to.equal("ApprovalInvalid,ran");
			expect(runs).to.equal(round);
		}
	});

	it("restores many players only once a second admin approves (mass restore)", () => {
		const world = adminWorld({ enableBackups: true }, ROLES, { approvalWindow: 60 });
		const players = [PLAYER, PLAYER + 1, PLAYER + 2];
		const backups = world.service.GetBackupManager()!;
		for (const p of players) {
			world.service.LoadPlayerData(p).expect();
			world.service.UpdatePlayerData(p, { coins: 100 }).expect();
			world.call(() => backups.CreateBackup(p, "good").expect());
		}
		task.wait(2);
		const time = os.time();
		task.wait(2);
		for (const p of players) world.service.UpdatePlayerData(p, { coins: 5 }).expect();
		const coins = () => players.map((p) => world.service.GetPlayerData(p)!.coins).join(",");
		const { id } = world.call(() =>
			world.admin.RequestMassOperation(ADMIN, { kind: "massRestore", players, time }).expect(),
		);
		task.wait(5);
		expect(coins()).to.equal("5,5,5");
		refusedToRequesterAndNonHolder(world, id);
		expect(coins()).to.equal("5,5,5");
		const outcome = world.call(() => world.admin.ApproveMassOperation(SECOND, id).expect());
		expect(outcome.results.every((r) => r.ok)).to.equal(true);
		expect(coins()).to.equal("100,100,100");
	});

	it("wipes players only once a second admin approves (wipe)", () => {
		const world = adminWorld({}, ROLES, { approvalWindow: 60 });
		const erased = new Array<number>();
		world.admin.AddEraser((player) => erased.push(player));
		const { id } = world.call(() =>
			world.admin
				.RequestMassOperation(ADMIN, { kind: "wipe", players: [PLAYER, PLAYER + 1], requestId: "gdpr-9" })
				.expect(),
		);
		task.wait(5);
		refusedToRequesterAndNonHolder(world, id);
		expect(erased.size()).to.equal(0);
		world.call(() => world.admin.ApproveMassOperation(SECOND, id).expect());
		expect(erased.join(",")).to.equal(`${PLAYER},${PLAYER + 1}`);
	});

	it("runs a mass migration only once a second admin approves (mass migration)", () => {
		const world = adminWorld({}, ROLES, { approvalWindow: 60 });
		const ran = new Array<defined>();
		world.admin.RegisterHook("migration.run", (actor, args) => ran.push(args as defined));
		const id = requestMigration(world, ADMIN, { to: 3 });
		task.wait(5);
		refusedToRequesterAndNonHolder(world, id);
		expect(ran.size()).to.equal(0);
		world.call(() => world.admin.ApproveMassOperation(SECOND, id).expect());
		expect(ran.size()).to.equal(1);
		expect((ran[0] as { to: number }).to).to.equal(3);
		// An operation a MemoryStore cannot hold is refused when filed, naming the field.
		const err = adminRejection(world, () =>
			world.admin.RequestMassOperation(ADMIN, { kind: "massMigration", args: { step: () => 1 } }),
		);
		expect(err.kind).to.equal("InvalidArgument");
		expect(err.message.find("operation.args.step", 1, true)[0] !== undefined).to.equal(true);
	});
};
