/**
 * Group membership as documented (reference/engine/classes/GroupService, reference/engine/classes/Player:
 * IsInGroup, GetRankInGroup, GetRoleInGroup), set by specs through the harness's setGroupRank.
 */
import { newServer, stopOtherServers } from "../harness/World";
import { setGroupRank } from "../harness/Groups";

const PLAYER = "reference/engine/classes/Player";
const GROUPS = "reference/engine/classes/GroupService";

export = () => {
	afterEach(() => stopOtherServers());

	describe("Groups", () => {
		it(`reports a member's rank (0-255) and role, and 0 and "Guest" for a non-member (${PLAYER})`, () => {
			setGroupRank(6101, 42, 200, { role: "Moderator" });
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 6101 });
			const [rank, role, member, outsider] = server.run(() => [
				player.GetRankInGroup(42),
				player.GetRoleInGroup(42),
				player.IsInGroup(42),
				player.IsInGroup(43),
			]) as [number, string, boolean, boolean];
			expect(rank).to.equal(200);
			expect(role).to.equal("Moderator");
			expect(member).to.equal(true);
			expect(outsider).to.equal(false);
			const [guestRank, guestRole] = server.run(() => [player.GetRankInGroup(43), player.GetRoleInGroup(43)]) as [
				number,
				string,
			];
			expect(guestRank).to.equal(0);
			expect(guestRole).to.equal("Guest");
		});

		it(`caches a player's first answer on the server until the player leaves (${PLAYER}, GetRankInGroup)`, () => {
			setGroupRank(6102, 50, 100);
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 6102 });
			expect(server.run(() => player.GetRankInGroup(50))).to.equal(100);
			setGroupRank(6102, 50, 0); // removed from the group while in the game
			expect(server.run(() => player.GetRankInGroup(50))).to.equal(100);
			expect(server.run(() => player.IsInGroup(50))).to.equal(true);
			server.removePlayer(player);
			const again = server.addPlayer({ userId: 6102 });
			expect(server.run(() => again.GetRankInGroup(50))).to.equal(0);
		});

		it(`lists every group of a user with GetGroupsAsync, asked afresh each time (${GROUPS})`, () => {
			setGroupRank(6103, 7, 255, { groupName: "Builders", primary: true });
			setGroupRank(6103, 9, 5, { role: "Tester" });
			const server = newServer({ runScripts: false });
			const list = server.run(() => server.game.GetService("GroupService").GetGroupsAsync(6103)) as Array<{
				Name: string;
				Id: number;
				Rank: number;
				Role: string;
				IsPrimary: boolean;
				IsInClan: boolean;
			}>;
			expect(list.size()).to.equal(2);
			expect(list[0].Id).to.equal(7);
			expect(list[0].Name).to.equal("Builders");
			expect(list[0].Rank).to.equal(255);
			expect(list[0].Role).to.equal("Owner");
			expect(list[0].IsPrimary).to.equal(true);
			expect(list[0].IsInClan).to.equal(false);
			expect(list[1].Role).to.equal("Tester");
			setGroupRank(6103, 9, 0);
			const after = server.run(() =>
				server.game.GetService("GroupService").GetGroupsAsync(6103),
			) as Array<unknown>;
			expect(after.size()).to.equal(1);
		});

		it("refuses a rank outside 0-255", () => {
			expect(() => setGroupRank(6104, 1, 256)).to.throw("0 to 255");
		});
	});
};
