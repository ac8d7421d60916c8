import { DataAccessLayer, DataError, Lease } from "shared/core/DataAccessLayer";
import { rejection } from "../harness/Promises";
import { resetCloud } from "../harness/Cloud";
import { newServer } from "../harness/World";

const failure = (promise: Promise<unknown>) => rejection<DataError>(promise);

export = () => {
	beforeEach(() => resetCloud());

	it("grants a free lock at once with a fencing token", () => {
		const dal = new DataAccessLayer();
		const lease = dal.acquireLock("trade:1").expect();
		expect(lease.token > 0).to.equal(true);
		dal.releaseLock(lease);
	});

	it("makes a second holder wait and fails it with LockTimeout when the holder keeps the lock", () => {
		const a = new DataAccessLayer();
		const b = new DataAccessLayer();
		const lease = a.acquireLock("wait-L").expect();
		const started = os.clock();
		const err = failure(b.acquireLock("wait-L", 5));
		expect(err.kind).to.equal("LockTimeout");
		expect(os.clock() - started >= 4).to.equal(true);
		a.releaseLock(lease);
	});

	it("hands the lock to the next holder after release, with a larger token", () => {
		const a = new DataAccessLayer();
		const b = new DataAccessLayer();
		const first = a.acquireLock("handoff-L").expect();
		const pending = b.acquireLock("handoff-L", 10);
		task.wait(1);
		a.releaseLock(first);
		const second = pending.expect();
		expect(second.token > first.token).to.equal(true);
		b.releaseLock(second);
	});

	it("keeps a held lease alive past its lease time by renewing it", () => {
		const a = new DataAccessLayer({ locks: { leaseTime: 6 } });
		const b = new DataAccessLayer({ locks: { leaseTime: 6 } });
		const lease = a.acquireLock("renew-L").expect();
		task.wait(20);
		expect(failure(b.acquireLock("renew-L", 3)).kind).to.equal("LockTimeout");
		a.releaseLock(lease);
	});

	it("lets another server take over the lock of a crashed server once the lease runs out", () => {
		resetCloud();
		const crashed = newServer();
		let lease: Lease | undefined;
		crashed.run(() => {
			lease = new DataAccessLayer({ locks: { leaseTime: 10 } }).acquireLock("crash-L").expect();
		});
		crashed.crash();
		const taker = new DataAccessLayer({ locks: { leaseTime: 10 } });
		const taken = taker.acquireLock("crash-L", 30).expect();
		expect(taken.token > lease!.token).to.equal(true);
		// Held leases renew forever; release so the rest of this file sees a quiet MemoryStore.
		taker.releaseLock(taken);
	});

	it("refuses the write of a holder whose lease ran out (fencing)", () => {
		const dal = new DataAccessLayer({ locks: { leaseTime: 6 } });
		const lease = dal.acquireLock("expired-doc").expect();
		// A paused holder: its lease ran out while it was not running.
		lease.expiresAt = DateTime.now().UnixTimestampMillis / 1000 - 1;
		const err = failure(dal.write({ store: "Fenced", key: "k" }, 1, { lease }));
		expect(err.kind).to.equal("LockLost");
		dal.releaseLock(lease);
	});

	it("refuses a stale holder after a newer holder has written, even if its own clock says the lease is fine", () => {
		const oldHolder = new DataAccessLayer();
		const newHolder = new DataAccessLayer();
		const stale = oldHolder.acquireLock("stale-doc", 5).expect();
		oldHolder.releaseLock(stale);
		const fresh = newHolder.acquireLock("stale-doc", 5).expect();
		newHolder.write({ store: "Fenced", key: "k2" }, "new", { lease: fresh }).expect();
		// The stale holder believes it still holds the lease (paused, never saw the release).
		stale.released = false;
		stale.expiresAt = DateTime.now().UnixTimestampMillis / 1000 + 100;
		const err = failure(oldHolder.write({ store: "Fenced", key: "k2" }, "old", { lease: stale }));
		expect(err.kind).to.equal("LockLost");
		expect(newHolder.read<string>({ store: "Fenced", key: "k2" }).expect()!.data).to.equal("new");
		newHolder.releaseLock(fresh);
	});

	it("acquires several locks in sorted order so overlapping requests never deadlock", () => {
		const a = new DataAccessLayer();
		const b = new DataAccessLayer();
		let doneA = false;
		let doneB = false;
		const pa = a.withLocks(["x", "y"], () => {
			task.wait(2);
			doneA = true;
		});
		const pb = b.withLocks(["y", "x"], () => {
			task.wait(2);
			doneB = true;
		});
		pa.expect();
		pb.expect();
		expect(doneA && doneB).to.equal(true);
	});
};
