/**
 * What a data store keeps of a value, as Roblox stores it (reference/engine/classes/GlobalDataStore,
 * cloud-services/data-stores/error-codes-and-limits): NaN and infinities are accepted, a table keeps what
 * HttpService:JSONEncode shows of it, numeric keys of a table of length 0 become strings, buffers are
 * storable. The engine does not protect a library from these: DataAccessLayer refuses them itself.
 */
import { HttpService } from "@rbxts/services";
import { rejection } from "../harness/Promises";
import { resetCloud, clearDataStoreFaults, stored } from "../harness/Cloud";
import { DataAccessLayer, DataError } from "shared/core/DataAccessLayer";
import { errorOf, startsWith } from "./util";

const DOC = "reference/engine/classes/GlobalDataStore";

function store() {
	return game.GetService("DataStoreService").GetDataStore("StoredValues");
}

function roundTrip(value: unknown): unknown {
	store().SetAsync("k", value);
	const options = new Instance("DataStoreGetOptions");
	options.UseCache = false;
	const [read] = store().GetAsync("k", options);
	return read;
}

export = () => {
	beforeEach(() => {
		resetCloud();
		clearDataStoreFaults();
	});

	describe("Data store values as Roblox stores them", () => {
		it(`accepts NaN and the infinities, which "should not" be stored, and reads them back (${DOC})`, () => {
			const read = roundTrip({ nan: 0 / 0, inf: math.huge, ninf: -math.huge }) as {
				nan: number;
				inf: number;
				ninf: number;
			};
			expect(read.nan !== read.nan).to.equal(true);
			expect(read.inf).to.equal(math.huge);
			expect(read.ninf).to.equal(-math.huge);
		});

		it(`stores a mixed table as its array part, what HttpService:JSONEncode shows (${DOC})`, () => {
			const mixed = [1, 2] as unknown as Record<string, unknown>;
			mixed.name = "dropped";
			const read = roundTrip({ list: mixed }) as { list: Array<number> & { name?: string } };
			expect(read.list.size()).to.equal(2);
			expect(read.list[1]).to.equal(2);
			expect(read.list.name).to.equal(undefined);
			expect(stored("StoredValues", "k")!.json).to.equal(HttpService.JSONEncode({ list: [1, 2] }));
			// The caller's table is not changed by the write.
			expect(mixed.name).to.equal("dropped");
		});

		it(`stores a sparse array up to its first gap (${DOC})`, () => {
			const sparse = new Map<number, string>([
				[1, "a"],
				[3, "c"],
			]);
			const read = roundTrip(sparse) as Array<string>;
			expect(read.size()).to.equal(1);
			expect(read[0]).to.equal("a");
		});

		it(`turns the numeric keys of a table of length 0 into strings: {[5]="a"} reads back as {["5"]="a"} (${DOC})`, () => {
			const read = roundTrip(
				new Map<unknown, unknown>([
					[5, "a"],
					[0, "zero"],
					["s", 1],
				]),
			) as Map<unknown, unknown>;
			expect(read.get("5")).to.equal("a");
			expect(read.get(5)).to.equal(undefined);
			expect(read.get("0")).to.equal("zero");
			expect(read.get("s")).to.equal(1);
		});

		it(`stores buffers and reads them back as buffers with the same bytes (${DOC})`, () => {
			const bytes = buffer.create(5);
			for (let i = 0; i < 5; i++) buffer.writeu8(bytes, i, i * 60);
			const read = roundTrip({ blob: bytes, empty: buffer.create(0) }) as { blob: buffer; empty: buffer };
			expect(typeOf(read.blob)).to.equal("buffer");
			expect(read.blob === bytes).to.equal(false);
			expect(buffer.tostring(read.blob)).to.equal(buffer.tostring(bytes));
			expect(buffer.len(read.empty)).to.equal(0);
			const [updated] = store().UpdateAsync("k", (current: { blob: buffer } | undefined) => {
				buffer.writeu8(current!.blob, 0, 255);
				return $tuple(current);
			});
			expect(buffer.readu8((updated as { blob: buffer }).blob, 0)).to.equal(255);
		});

		it(`still refuses Instances and functions with 103 and cycles with 104 (${DOC}, cloud-services/data-stores/error-codes-and-limits)`, () => {
			expect(
				startsWith(
					errorOf(() => store().SetAsync("k", { f: () => 1 })),
					"103:",
				),
			).to.equal(true);
			const cyclic: Record<string, unknown> = {};
			cyclic.self = cyclic;
			expect(
				startsWith(
					errorOf(() => store().SetAsync("k", cyclic)),
					"104:",
				),
			).to.equal(true);
			expect(stored("StoredValues", "k")).to.equal(undefined);
		});
	});

	describe("DataAccessLayer refuses what the engine would store but change", () => {
		it(`refuses infinities, sparse arrays and numeric keys of a length-0 table before any request (${DOC})`, () => {
			const dal = new DataAccessLayer();
			const before = dal.getRequestCount();
			const values: Array<unknown> = [
				{ n: math.huge },
				{ n: -math.huge },
				{ n: 0 / 0 },
				new Map<number, string>([
					[1, "a"],
					[3, "c"],
				]),
				{ slots: new Map<number, string>([[5, "a"]]) },
			];
			for (const value of values) {
				expect(rejection<DataError>(dal.write({ store: "P", key: "k" }, value as never)).kind).to.equal(
					"NotStorable",
				);
			}
			expect(dal.getRequestCount()).to.equal(before);
			expect(stored("P", "k")).to.equal(undefined);
		});
	});
};
