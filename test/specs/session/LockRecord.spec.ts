import { claimLock, LockClaim } from "server/services/data/session/claimLock";
import { saveRecord, SaveImage } from "server/services/data/session/saveRecord";
import { recordOf, SessionRecord } from "server/services/data/session/SessionRecord";

const ME: LockClaim = { placeId: 1, jobId: "me", now: 1000 };

/** A stored profile held by `holder` (a JobId) at load count `count`, or free. */
function held(holder: string | undefined, count = 3, force?: string): SessionRecord {
	const record = recordOf(undefined, { coins: 0 }, 500);
	record.MetaData.SessionLoadCount = count;
	if (holder !== undefined) record.MetaData.ActiveSession = [1, holder];
	if (force !== undefined) record.MetaData.ForceLoadSession = [1, force];
	return record;
}

function image(overrides: Partial<SaveImage> = {}): SaveImage {
	return {
		placeId: 1,
		jobId: "me",
		loadCount: 3,
		data: { coins: 9 },
		metaTags: { t: "x" },
		userIds: [7],
		robloxMetaData: {},
		now: 2000,
		release: false,
		...overrides,
	};
}

export = () => {
	describe("recordOf", () => {
		it("makes a new profile in ProfileService's layout from the template when nothing is stored", () => {
			const record = recordOf(undefined, { coins: 0 }, 500);
			expect((record.Data as { coins: number }).coins).to.equal(0);
			expect(record.MetaData.ProfileCreateTime).to.equal(500);
			expect(record.MetaData.SessionLoadCount).to.equal(0);
			expect(record.MetaData.ActiveSession).to.equal(undefined);
			expect(typeIs(record.MetaData.MetaTags, "table")).to.equal(true);
			expect(typeIs(record.GlobalUpdates, "table")).to.equal(true);
			expect(record.WasCorrupted).to.equal(undefined);
		});

		it("keeps a stored ProfileService profile as it is, and replaces a value that is not one (WasCorrupted)", () => {
			const stored = {
				Data: { coins: 4 },
				MetaData: { SessionLoadCount: 2, MetaTags: {} },
				GlobalUpdates: [0, []],
			};
			const record = recordOf(stored, { coins: 0 }, 500);
			expect((record.Data as { coins: number }).coins).to.equal(4);
			expect(record.MetaData.SessionLoadCount).to.equal(2);
			expect(recordOf(42, { coins: 0 }, 500).WasCorrupted).to.equal(true);
		});
	});

	describe("claimLock", () => {
		it("takes a free lock and raises the load count", () => {
			const record = held(undefined);
			expect(claimLock(record, ME).kind).to.equal("taken");
			expect(record.MetaData.ActiveSession![1]).to.equal("me");
			expect(record.MetaData.SessionLoadCount).to.equal(4);
			expect(record.MetaData.LastUpdate).to.equal(1000);
		});

		it("writes nothing while another server holds the lock", () => {
			const record = held("other");
			const result = claimLock(record, ME);
			expect(result.kind).to.equal("held");
			expect(result.write).to.equal(false);
			expect(record.MetaData.ActiveSession![1]).to.equal("other");
		});

		it("steals only from the holder it names: a lock another server took first is not stolen", () => {
			expect(claimLock(held("dead"), { ...ME, stealFrom: "dead" }).kind).to.equal("taken");
			const record = held("first-thief");
			expect(claimLock(record, { ...ME, stealFrom: "dead" }).kind).to.equal("held");
			expect(record.MetaData.ActiveSession![1]).to.equal("first-thief");
			expect(claimLock(held("anyone"), { ...ME, stealFrom: "any" }).kind).to.equal("taken");
		});

		it("ForceLoad asks the holder first, takes the lock only once its own request waited, and yields to another's", () => {
			const record = held("other");
			const asked = claimLock(record, { ...ME, force: true });
			expect(asked.kind).to.equal("held");
			expect(asked.write).to.equal(true);
			expect(record.MetaData.ForceLoadSession![1]).to.equal("me");
			expect(claimLock(record, { ...ME, force: true }).write).to.equal(false);
			expect(claimLock(record, { ...ME, force: true, forceSteal: true }).kind).to.equal("taken");
			expect(record.MetaData.ForceLoadSession).to.equal(undefined);
			expect(claimLock(held("other", 3, "third"), { ...ME, force: true, forceSteal: true }).kind).to.equal(
				"forceLost",
			);
		});
	});

	describe("saveRecord", () => {
		it("writes the session's data, tags and user ids while the lock is its own", () => {
			const record = held("me");
			expect(saveRecord(record, image())).to.equal("saved");
			expect((record.Data as { coins: number }).coins).to.equal(9);
			expect(record.MetaData.MetaTags.t).to.equal("x");
			expect(record.UserIds![0]).to.equal(7);
			expect(record.MetaData.LastUpdate).to.equal(2000);
			expect(record.MetaData.ActiveSession![1]).to.equal("me");
		});

		it("refuses to write once the lock is another server's or another load's", () => {
			const stolen = held("thief");
			expect(saveRecord(stolen, image())).to.equal("lost");
			expect((stolen.Data as { coins: number }).coins).to.equal(0);
			const reloaded = held("me", 4);
			expect(saveRecord(reloaded, image({ loadCount: 3 }))).to.equal("lost");
			expect((reloaded.Data as { coins: number }).coins).to.equal(0);
		});

		it("clears the lock when releasing, or when another server's ForceLoad request waits", () => {
			const record = held("me");
			expect(saveRecord(record, image({ release: true }))).to.equal("released");
			expect(record.MetaData.ActiveSession).to.equal(undefined);
			expect((record.Data as { coins: number }).coins).to.equal(9);
			const forced = held("me", 3, "other");
			expect(saveRecord(forced, image())).to.equal("released");
			expect(forced.MetaData.ActiveSession).to.equal(undefined);
		});
	});
};
