import { AuditBatch, AuditHead, AuditLogger, AuditProblemKind } from "shared/core/AuditLogger";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { canonicalJson } from "shared/core/dal/Canonical";
import { sha256Hex } from "shared/core/audit/sha256Hex";
import { deepCopy } from "shared/protocol/deepCopy";
import { advance, clearDataStoreFaults, resetCloud } from "../harness/Cloud";

const STORE = "DataService.Audit";
const sha256 = (text: string) => sha256Hex(game.GetService("EncodingService"), text);
const STREAM = "chain";

type Mutable = {
	-readonly [K in keyof AuditBatch]: AuditBatch[K] extends ReadonlyArray<infer T> ? Array<T> : AuditBatch[K];
};

/**
 * Someone with DataStore access who knows the format: they go through a DataAccessLayer of their own, so
 * every envelope checksum stays valid and only the audit chain can tell.
 */
const attacker = () => new DataAccessLayer({ warnings: false });

function ref(seq: number) {
	return { store: STORE, key: `${STREAM}/${seq}` };
}

export = () => {
	let audit: AuditLogger;
	let originals: Array<AuditBatch>;
	let head: AuditHead;
	let from3 = 0;

	const read = (seq: number) => attacker().read<AuditBatch>(ref(seq), { useCache: false }).expect()?.data;
	const mutate = (seq: number, edit: (batch: Mutable) => void) => {
		attacker()
			.update<AuditBatch>(ref(seq), (batch) => {
				const copy = deepCopy(batch) as unknown as Mutable;
				edit(copy);
				return copy as unknown as AuditBatch;
			})
			.expect();
	};
	const problems = () => {
		const result = audit.VerifyAuditTrail().expect();
		return { ok: result.ok, kinds: result.problems.map((p) => p.kind) };
	};
	const caught = (kind: AuditProblemKind) => {
		const { ok, kinds } = problems();
		expect(ok).to.equal(false);
		if (!kinds.includes(kind)) error(`expected a ${kind} problem, got [${kinds.join(",")}]`);
	};

	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
		audit = new AuditLogger({ bindToClose: false, streamId: STREAM });
		// 4 batches of 3 entries, 10 s apart.
		for (let b = 1; b <= 4; b++) {
			if (b === 3) from3 = DateTime.now().UnixTimestampMillis / 1000;
			for (let e = 1; e <= 3; e++) {
				audit.Log({ category: "data", type: `b${b}e${e}`, players: [b * 10 + e], context: { n: e } });
			}
			audit.Flush().expect();
			advance(10);
		}
		originals = [1, 2, 3, 4].map((seq) => read(seq)!);
		head = attacker()
			.read<AuditHead>({ store: `${STORE}.Heads`, key: STREAM }, { useCache: false })
			.expect()!.data;
	});

	it("verifies an untouched trail, counting its batches and entries", () => {
		const result = audit.VerifyAuditTrail().expect();
		expect(result.ok).to.equal(true);
		expect(result.streams).to.equal(1);
		expect(result.batches).to.equal(4);
		expect(result.entries).to.equal(12);
		expect(head.seq).to.equal(4);
	});

	it("reads only back to the first batch before range.from", () => {
		const result = audit.VerifyAuditTrail({ from: from3 }).expect();
		expect(result.ok).to.equal(true);
		// Batches 4 and 3, and batch 2 as the anchor (flushed before from).
		expect(result.batches).to.equal(3);
	});

	it("catches a deleted batch, in the middle or at the head", () => {
		attacker().remove(ref(2)).expect();
		caught("batchMissing");
		attacker().write(ref(2), originals[1]).expect();
		expect(problems().ok).to.equal(true);
		attacker().remove(ref(4)).expect();
		caught("batchMissing");
	});

	it("catches an edited entry, and an entry edited together with its recorded hash", () => {
		mutate(2, (b) => {
			b.entries[0] = { ...b.entries[0], type: "forged" };
		});
		caught("entryEdited");
		attacker().write(ref(2), originals[1]).expect();
		expect(problems().ok).to.equal(true);
		mutate(2, (b) => {
			b.entries[0] = { ...b.entries[0], context: { n: 99 } };
			// The attacker recomputes the entry hash: only the batch hash (and the chain) can tell.
			b.hashes[0] = sha256(canonicalJson(b.entries[0]));
		});
		caught("batchEdited");
	});

	it("catches an edited batch field (its time)", () => {
		mutate(3, (b) => {
			b.time -= 1;
		});
		caught("batchEdited");
	});

	it("catches reordered entries, with or without their hashes", () => {
		mutate(2, (b) => {
			[b.entries[0], b.entries[1]] = [b.entries[1], b.entries[0]];
		});
		caught("entryEdited");
		attacker().write(ref(2), originals[1]).expect();
		mutate(2, (b) => {
			[b.entries[0], b.entries[1]] = [b.entries[1], b.entries[0]];
			[b.hashes[0], b.hashes[1]] = [b.hashes[1], b.hashes[0]];
		});
		caught("batchEdited");
	});

	it("catches reordered batches, with or without their seq rewritten", () => {
		attacker().write(ref(2), originals[2]).expect();
		attacker().write(ref(3), originals[1]).expect();
		caught("batchMisplaced");
		mutate(2, (b) => {
			b.seq = 2;
		});
		mutate(3, (b) => {
			b.seq = 3;
		});
		caught("batchEdited");
	});

	it("catches an inserted or deleted entry, with or without its hash", () => {
		mutate(3, (b) => {
			b.entries.push({ ...b.entries[0], type: "inserted" });
		});
		caught("entryCount");
		attacker().write(ref(3), originals[2]).expect();
		mutate(3, (b) => {
			b.entries.push(b.entries[0]);
			b.hashes.push(b.hashes[0]);
		});
		caught("batchEdited");
		attacker().write(ref(3), originals[2]).expect();
		mutate(3, (b) => {
			b.entries.remove(1);
			b.hashes.remove(1);
		});
		caught("batchEdited");
		attacker().write(ref(3), originals[2]).expect();
		mutate(3, (b) => {
			b.entries.remove(1);
		});
		caught("entryCount");
	});

	it("catches an entry moved to another batch with its hash", () => {
		mutate(2, (b) => {
			b.entries.remove(2);
			b.hashes.remove(2);
		});
		mutate(3, (b) => {
			b.entries.insert(0, originals[1].entries[2]);
			b.hashes.insert(0, originals[1].hashes[2]);
		});
		caught("batchEdited");
	});

	it("catches a batch inserted in the middle (later ones shifted) and one appended past the checkpoint", () => {
		// Shift 3 and 4 to 4 and 5 (seq fields rewritten), forge a batch 3 chained to batch 2.
		const forged = {
			...originals[2],
			seq: 3,
			entries: [originals[2].entries[0]],
			hashes: [originals[2].hashes[0]],
		};
		attacker()
			.write(ref(5), { ...originals[3], seq: 5 })
			.expect();
		attacker()
			.write(ref(4), { ...originals[2], seq: 4 })
			.expect();
		attacker().write(ref(3), forged).expect();
		caught("batchBeyondHead");
		caught("batchEdited");
		for (let seq = 1; seq <= 4; seq++)
			attacker()
				.write(ref(seq), originals[seq - 1])
				.expect();
		attacker().remove(ref(5)).expect();
		expect(problems().ok).to.equal(true);
		// Appended after the head, chained correctly: only the checkpoint tells.
		attacker()
			.write(ref(5), { ...originals[3], seq: 5, previous: head.hash })
			.expect();
		caught("batchBeyondHead");
	});
};
