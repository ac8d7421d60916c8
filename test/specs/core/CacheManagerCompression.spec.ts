import { HttpService } from "@rbxts/services";
import { CacheManager } from "shared/core/CacheManager";
import { CacheError } from "shared/core/cache/CacheError";
import type { Codec } from "shared/core/cache/Codec";
import { LzCodec } from "shared/core/cache/LzCodec";
import { measureValue } from "shared/core/cache/measureValue";
import { catchCacheError, deepEqual, makeProfile } from "./CacheManagerHelpers";

/** LzCodec, counting its calls. */
class CountingCodec implements Codec {
	compressions = 0;
	decompressions = 0;
	private readonly inner = new LzCodec();
	compress(text: string) {
		this.compressions += 1;
		return this.inner.compress(text);
	}
	decompress(data: buffer) {
		this.decompressions += 1;
		return this.inner.decompress(data);
	}
}

/** LzCodec whose output is damaged at `at` (a byte offset from the end when negative) after compression. */
class DamagingCodec implements Codec {
	private readonly inner = new LzCodec();
	constructor(private readonly at: number) {}
	compress(text: string) {
		const data = this.inner.compress(text);
		const offset = this.at >= 0 ? this.at : buffer.len(data) + this.at;
		buffer.writeu8(data, offset, (buffer.readu8(data, offset) + 1) % 256);
		return data;
	}
	decompress(data: buffer) {
		return this.inner.decompress(data);
	}
}

function randomText(random: Random, length: number, alphabet: number) {
	const bytes = buffer.create(length);
	for (let i = 0; i < length; i++) buffer.writeu8(bytes, i, random.NextInteger(0, alphabet - 1));
	return buffer.tostring(bytes);
}

/** A cache whose L1 holds one entry, so the second `set` demotes the first into L2; two hits there promote. */
function demotingCache(codec: Codec, onCorrupt?: (err: CacheError) => void) {
	return new CacheManager({
		levels: { L1: { capacity: 1 } },
		promoteAfter: 2,
		codec,
		onCorrupt,
	});
}

export = () => {
	describe("LzCodec", () => {
		const codec = new LzCodec();

		it("round-trips empty, tiny, repetitive, random and binary text exactly", () => {
			const random = new Random(7);
			const samples = [
				"",
				"a",
				"abc",
				"abcd",
				string.rep("a", 1000),
				string.rep("abc", 5000),
				randomText(random, 10000, 256),
				randomText(random, 70000, 4),
				HttpService.JSONEncode(makeProfile(1, random)),
			];
			for (const sample of samples) {
				expect(codec.decompress(codec.compress(sample))).to.equal(sample);
			}
		});

		it("round-trips long runs whose lengths need extension bytes", () => {
			const sample = `${string.rep("x", 300)}${randomText(new Random(3), 300, 256)}${string.rep("yz", 700)}`;
			const packed = codec.compress(sample);
			expect(codec.decompress(packed)).to.equal(sample);
			expect(buffer.len(packed) < 700).to.equal(true);
		});

		it("shrinks a realistic 40-item player profile to under 45% of its JSON", () => {
			const json = HttpService.JSONEncode(makeProfile(123, new Random(1)));
			const ratio = buffer.len(codec.compress(json)) / json.size();
			expect(json.size() > 4000).to.equal(true);
			expect(ratio < 0.45).to.equal(true);
		});

		it("reports damage anywhere in the stream as CorruptEntry and never returns different text", () => {
			const json = HttpService.JSONEncode(makeProfile(5, new Random(5)));
			const packed = codec.compress(json);
			const size = buffer.len(packed);
			let detected = 0;
			let wrong = 0;
			let tried = 0;
			for (let offset = 0; offset < size; offset += 7) {
				const copy = buffer.create(size);
				buffer.copy(copy, 0, packed);
				buffer.writeu8(copy, offset, (buffer.readu8(copy, offset) + 0x55) % 256);
				tried += 1;
				const [ok, result] = pcall(() => codec.decompress(copy));
				if (!ok) {
					expect((result as CacheError).kind).to.equal("CorruptEntry");
					detected += 1;
				} else if (result !== json) {
					wrong += 1;
				}
			}
			expect(tried > 50).to.equal(true);
			expect(wrong).to.equal(0);
			// A changed back offset may point at identical bytes and still decode to the same text; the rest fail.
			expect(detected >= tried * 0.9).to.equal(true);
		});

		it("rejects truncated data and a bad header", () => {
			const packed = codec.compress(string.rep("hello world ", 50));
			const truncated = buffer.create(buffer.len(packed) - 3);
			buffer.copy(truncated, 0, packed, 0, buffer.len(truncated));
			expect(catchCacheError(() => codec.decompress(truncated)).kind).to.equal("CorruptEntry");
			expect(
				catchCacheError(() => codec.decompress(buffer.fromstring("not compressed at all"))).message,
			).to.equal("compressed entry is damaged: unknown header");
			expect(catchCacheError(() => codec.decompress(buffer.create(3))).kind).to.equal("CorruptEntry");
		});
	});

	describe("compression in the cache", () => {
		it("stores a profile demoted into L2 compressed and returns it deeply equal", () => {
			const codec = new CountingCodec();
			const cache = demotingCache(codec);
			const profile = makeProfile(42, new Random(42));
			cache.set("profile:42", profile);
			expect(codec.compressions).to.equal(0); // L1 keeps values as they are
			cache.set("other", 1);
			expect(cache.levelOf("profile:42")).to.equal("L2");
			expect(codec.compressions).to.equal(1);
			const stats = cache.getStats();
			expect(stats.compressedEntries).to.equal(1);
			const [rawBytes] = measureValue(profile);
			expect(stats.levels[1].bytes < rawBytes / 2).to.equal(true);
			const back = cache.get("profile:42");
			expect(back).never.to.equal(profile); // a copy, restored from JSON
			expect(deepEqual(back, profile)).to.equal(true);
			expect(codec.decompressions).to.equal(1);
		});

		it("costs nothing below the threshold: no encoding, the same table back", () => {
			const codec = new CountingCodec();
			const cache = demotingCache(codec);
			const small = { coins: 10, items: ["sword", "shield"] };
			cache.set("small", small);
			cache.set("other", 1);
			expect(cache.levelOf("small")).to.equal("L2");
			expect(cache.get("small")).to.equal(small);
			expect(codec.compressions + codec.decompressions).to.equal(0);
			expect(cache.getStats().compressedEntries).to.equal(0);
		});

		it("compresses at exactly the threshold and not one byte below", () => {
			const codec = new CountingCodec();
			const text = string.rep("ab", 600);
			const [bytes] = measureValue(text);
			const at = new CacheManager({
				levels: { L1: { compressAbove: bytes } },
				codec,
			});
			at.set("t", text);
			expect(codec.compressions).to.equal(1);
			const above = new CacheManager({
				levels: { L1: { compressAbove: bytes + 1 } },
				codec,
			});
			above.set("t", text);
			expect(codec.compressions).to.equal(1);
			expect(at.get("t")).to.equal(text);
		});

		it("never compresses values JSON would change: cycles, mixed tables, functions, NaN", () => {
			const codec = new CountingCodec();
			const cyclic: Record<string, unknown> = { filler: string.rep("z", 2000) };
			cyclic.self = cyclic;
			const mixed = { 1: string.rep("m", 2000), name: "mixed" };
			const values: Array<defined> = [
				cyclic,
				mixed,
				{ onChange: () => 1, filler: string.rep("f", 2000) },
				{ score: 0 / 0, filler: string.rep("n", 2000) },
			];
			const cache = new CacheManager({
				levels: { L1: { compressAbove: 0 } },
				codec,
			});
			values.forEach((value, i) => {
				expect(measureValue(value)[1]).to.equal(false);
				cache.set(`v${i}`, value);
				expect(cache.get(`v${i}`)).to.equal(value);
			});
			expect(codec.compressions).to.equal(0);
		});

		it("keeps a value uncompressed when compression would not make it smaller", () => {
			// An LzCodec whose output is padded past the value's size.
			const padded: Codec = {
				compress(text) {
					const inner = new LzCodec().compress(text);
					const out = buffer.create(buffer.len(inner) + 100000);
					buffer.copy(out, 0, inner);
					return out;
				},
				decompress() {
					return error("never called");
				},
			};
			let tries = 0;
			const counted: Codec = {
				compress(text) {
					tries += 1;
					return padded.compress(text);
				},
				decompress(data) {
					return padded.decompress(data);
				},
			};
			const cache = new CacheManager({
				levels: { L1: { capacity: 1, compressAbove: 0 }, L2: { compressAbove: 0 } },
				codec: counted,
			});
			const text = string.rep("ab", 600);
			cache.set("t", text);
			expect(cache.getStats().compressedEntries).to.equal(0);
			expect(cache.get("t")).to.equal(text);
			cache.set("u", 1); // t moves to L2, which would compress it too: it is not tried again
			expect(cache.levelOf("t")).to.equal("L2");
			expect(cache.get("t")).to.equal(text);
			expect(tries).to.equal(2); // t once, u once
		});

		it("reports a corrupt entry through onCorrupt and never returns it", () => {
			const reported = new Array<CacheError>();
			const cache = demotingCache(new DamagingCodec(-20), (err) => reported.push(err));
			cache.set("profile:9", makeProfile(9, new Random(9)), {
				tags: ["player:9"],
			});
			cache.set("other", 1);
			expect(cache.get("profile:9")).to.equal(undefined);
			expect(reported.size()).to.equal(1);
			expect(reported[0].kind).to.equal("CorruptEntry");
			expect(reported[0].message.find("entry profile:9 was dropped", 1, true)[0]).to.equal(1);
			const stats = cache.getStats();
			expect(stats.corruptions).to.equal(1);
			expect(stats.misses).to.equal(1);
			expect(stats.compressedEntries).to.equal(0);
			expect(cache.levelOf("profile:9")).to.equal(undefined);
			expect(cache.invalidateTag("player:9")).to.equal(0);
			expect(cache.size()).to.equal(1);
		});

		it("reports after the cache is consistent, so onCorrupt may use the cache", () => {
			// The callback needs the cache it belongs to, which exists only once the constructor returns.
			const holder: { cache?: CacheManager } = {};
			let seen = -1;
			const cache = demotingCache(new DamagingCodec(-5), (_err) => {
				seen = holder.cache!.size();
				holder.cache!.set("reloaded", "fresh");
			});
			holder.cache = cache;
			cache.set("p", makeProfile(8, new Random(8)));
			cache.set("other", 1);
			expect(cache.get("p")).to.equal(undefined);
			expect(seen).to.equal(1);
			expect(cache.get("reloaded")).to.equal("fresh");
			expect(cache.size()).to.equal(2);
			const stats = cache.getStats();
			expect(stats.levels[0].entries + stats.levels[1].entries + stats.levels[2].entries).to.equal(2);
		});

		it("finds damage when an entry is demoted into a level that stores it uncompressed", () => {
			const reported = new Array<CacheError>();
			const cache = new CacheManager({
				codec: new DamagingCodec(15),
				onCorrupt: (err) => reported.push(err),
				levels: { L1: { capacity: 1 }, L2: { capacity: 1 }, L3: { compressAbove: math.huge } },
			});
			cache.set("p", makeProfile(4, new Random(4))); // L1, as is
			cache.set("q", 1); // p -> L2, compressed (and damaged)
			cache.set("r", 2); // p -> L3, which restores it: the damage shows
			expect(reported.size()).to.equal(1);
			expect(cache.levelOf("p")).to.equal(undefined);
			expect(cache.size()).to.equal(2);
			expect(cache.getStats().corruptions).to.equal(1);
		});

		it("keeps a value as it is when the JSON encoder refuses it", () => {
			const refusing = {
				JSONEncode(): string {
					return error("Can't convert to JSON");
				},
				JSONDecode(text: string): unknown {
					return HttpService.JSONDecode(text);
				},
			};
			const cache = new CacheManager({ json: refusing, levels: { L1: { compressAbove: 0 } } });
			const value = { name: string.rep("n", 2000) };
			cache.set("v", value);
			expect(cache.get("v")).to.equal(value);
			expect(cache.getStats().compressedEntries).to.equal(0);
		});

		it("warns with the [CacheManager] prefix by default", () => {
			const [messages, stop] = __runtime.Output.capture();
			const cache = demotingCache(new DamagingCodec(12));
			cache.set("p", makeProfile(3, new Random(3)));
			cache.set("other", 1);
			expect(cache.get("p")).to.equal(undefined);
			stop();
			const warnings = messages.filter((m) => m.kind === "warn");
			expect(warnings.size()).to.equal(1);
			expect(warnings[0].message.find("[CacheManager] CorruptEntry: entry p was dropped", 1, true)[0]).to.equal(
				1,
			);
		});

		it("restores the value when a compressed entry is promoted into L1", () => {
			const codec = new CountingCodec();
			const cache = demotingCache(codec);
			const profile = makeProfile(77, new Random(77));
			cache.set("p", profile);
			cache.set("other", 1);
			cache.get("p");
			const promoted = cache.get("p");
			expect(cache.levelOf("p")).to.equal("L1");
			expect(cache.getStats().compressedEntries).to.equal(0);
			const decodes = codec.decompressions;
			expect(cache.get("p")).to.equal(promoted); // served from L1 without decoding again
			expect(codec.decompressions).to.equal(decodes);
			expect(deepEqual(promoted, profile)).to.equal(true);
		});

		it("round-trips 50 random profiles through L3 compression", () => {
			const random = new Random(2024);
			const cache = new CacheManager({
				levels: { L1: { capacity: 1 }, L2: { capacity: 1 } },
			});
			const profiles = new Array<ReturnType<typeof makeProfile>>();
			for (let i = 1; i <= 50; i++) {
				const profile = makeProfile(i, random, random.NextInteger(5, 80));
				profiles.push(profile);
				cache.set(`p${i}`, profile);
			}
			expect(cache.getStats().compressedEntries).to.equal(49);
			for (let i = 1; i <= 48; i++) {
				expect(cache.levelOf(`p${i}`)).to.equal("L3");
				expect(deepEqual(cache.get(`p${i}`), profiles[i - 1])).to.equal(true);
			}
		});
	});
};
