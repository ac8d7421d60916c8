/**
 * Roles and capabilities: denied by default, granted by explicit user ids, group ranks (GroupService) and
 * the game's callback, and every check audited.
 */
import type { AuditEvent } from "shared/core/AuditLogger";
import { AccessControl } from "server/services/admin/AccessControl";
import type { AdminError } from "server/services/admin/AdminError";
import { CAPABILITIES } from "server/services/admin/Capability";
import { setGroupRank } from "../harness/Groups";

function thrown(fn: () => unknown): AdminError {
	const [ok, err] = pcall(fn);
	if (ok) error("expected an error", 2);
	return err as AdminError;
}

function recorder() {
	const events = new Array<AuditEvent>();
	return {
		events,
		sink: {
			Log(event: AuditEvent) {
				events.push(event);
			},
		},
	};
}

export = () => {
	describe("AccessControl", () => {
		it("denies every capability to everyone when no role is configured, the place owner included", () => {
			const access = new AccessControl({ roles: {} });
			for (const capability of CAPABILITIES) {
				expect(access.check(game.CreatorId === 0 ? 1 : game.CreatorId, capability)).to.equal(false);
				expect(access.check(156, capability)).to.equal(false); // a library author's id grants nothing either
			}
		});

		it("grants a role's capabilities to its listed users and nothing more", () => {
			const access = new AccessControl({ roles: { support: { capabilities: ["data.read"], users: [501] } } });
			expect(access.check(501, "data.read")).to.equal(true);
			expect(access.check(501, "data.edit")).to.equal(false);
			expect(access.check(502, "data.read")).to.equal(false);
			expect(access.rolesOf(501).join(",")).to.equal("support");
		});

		it("grants a role by group rank within [minRank, maxRank], asked through GroupService", () => {
			setGroupRank(611, 4242, 200);
			setGroupRank(612, 4242, 50);
			setGroupRank(613, 4242, 255);
			const access = new AccessControl({
				roles: {
					mod: {
						capabilities: ["data.read", "audit.read"],
						groups: [{ groupId: 4242, minRank: 100, maxRank: 254 }],
					},
				},
			});
			expect(access.check(611, "audit.read")).to.equal(true);
			expect(access.check(612, "audit.read")).to.equal(false);
			// The group's owner (255) is outside maxRank: no built-in grant to owners.
			expect(access.check(613, "audit.read")).to.equal(false);
			expect(access.check(614, "audit.read")).to.equal(false); // not a member: rank 0
		});

		it("re-reads group ranks after groupCacheSeconds, so a demotion takes effect", () => {
			setGroupRank(621, 77, 200);
			let clock = 0;
			const access = new AccessControl({
				roles: { mod: { capabilities: ["data.read"], groups: [{ groupId: 77, minRank: 100 }] } },
				groupCacheSeconds: 30,
				clock: () => clock,
			});
			expect(access.check(621, "data.read")).to.equal(true);
			setGroupRank(621, 77, 10);
			clock = 20;
			expect(access.check(621, "data.read")).to.equal(true);
			clock = 31;
			expect(access.check(621, "data.read")).to.equal(false);
		});

		it("grants roles the game's callback names, ignores unknown names and fails closed when it errors", () => {
			let answer: unknown = ["ops", "nonexistent"];
			const access = new AccessControl({
				roles: { ops: { capabilities: ["data.restore"] } },
				resolveRoles: (userId) => {
					if (userId === 666) error("web API down");
					return answer as Array<string>;
				},
			});
			expect(access.check(631, "data.restore")).to.equal(true);
			expect(access.rolesOf(631).join(",")).to.equal("ops");
			expect(access.check(666, "data.restore")).to.equal(false);
			answer = "ops"; // not an array
			expect(access.check(631, "data.restore")).to.equal(false);
		});

		it("audits every check, granted or denied, as a security event naming the capability and target", () => {
			const { events, sink } = recorder();
			const access = new AccessControl({
				roles: { support: { capabilities: ["data.read"], users: [701] } },
				audit: sink,
			});
			access.check(701, "data.read", { target: 9, action: "viewPlayer" });
			access.check(702, "data.read", { target: 9, action: "viewPlayer" });
			access.check(701, "no.such" as never);
			access.check("701" as never, "data.read");
			expect(events.size()).to.equal(4);
			expect(events[0].category).to.equal("security");
			expect(events[0].type).to.equal("capabilityGranted");
			expect(events[0].context!.capability).to.equal("data.read");
			expect(events[0].context!.target).to.equal(9);
			expect(events[0].players!.join(",")).to.equal("701,9");
			expect(events[1].type).to.equal("capabilityDenied");
			expect(events[1].level).to.equal("warning");
			expect(events[2].type).to.equal("capabilityDenied");
			expect(events[3].type).to.equal("capabilityDenied");
			expect(events[3].players!.size()).to.equal(0);
		});

		it("throws Forbidden from require, naming the capability", () => {
			const access = new AccessControl({ roles: {} });
			const err = thrown(() => access.require(801, "data.erase", { action: "erasePlayer" }));
			expect(err.kind).to.equal("Forbidden");
			expect(err.message.find("data.erase")[0] !== undefined).to.equal(true);
		});

		it("refuses a malformed role table with a typed error naming the field", () => {
			const cases: Array<[unknown, string]> = [
				[{ r: { capabilities: ["data.read", "data.everything"] } }, "roles.r.capabilities[2]"],
				[{ r: { capabilities: ["data.read"], users: ["5"] } }, "roles.r.users[1]"],
				[
					{ r: { capabilities: ["data.read"], groups: [{ groupId: 1, minRank: 0 }] } },
					"roles.r.groups[1].minRank",
				],
				[{ r: { capabilities: ["data.read"], groups: [{ groupId: 1, minRank: 9, maxRank: 3 }] } }, "maxRank"],
				[{ r: { capabilities: "data.read" } }, "roles.r.capabilities"],
				[{ r: 5 }, "roles.r"],
			];
			for (const [roles, field] of cases) {
				const err = thrown(() => new AccessControl({ roles: roles as never }));
				expect(err.kind).to.equal("InvalidArgument");
				expect(err.message.find(field, 1, true)[0] !== undefined).to.equal(true);
			}
		});
	});
};
