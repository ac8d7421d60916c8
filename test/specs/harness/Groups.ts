/**
 * Group memberships for specs (test/runtime/engine/Groups): what GroupService and Player:GetRankInGroup
 * report for a user, shared by every server of the world.
 */
type RawGroups = {
	set(
		this: void,
		userId: number,
		groupId: number,
		rank: number,
		options?: { role?: string; primary?: boolean; groupName?: string },
	): void;
};

/**
 * Sets `userId`'s rank in `groupId` (0 removes the membership; 255 is the owner). A server that already
 * asked a Player about that group keeps its cached answer until the player leaves, as on Roblox.
 * @example setGroupRank(101, 7, 200, { role: "Moderator" });
 */
export function setGroupRank(
	userId: number,
	groupId: number,
	rank: number,
	options?: { role?: string; primary?: boolean; groupName?: string },
): void {
	(__runtime.Groups as unknown as RawGroups).set(userId, groupId, rank, options);
}
