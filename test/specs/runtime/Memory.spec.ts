import { realtime } from "../harness/World";

const MIB = 1024 * 1024;
const BLOCKS = 40;

export = () => {
	describe("VM memory", () => {
		it("holds over 64 MiB of live Luau data, far past luau-web's built-in 17 MiB", () => {
			const before = gcinfo();
			const real0 = realtime();
			const blocks = new Array<Array<number>>();
			// A table slot is 16 bytes: 2^17 slots make 2 MiB, 40 of them 80 MiB.
			for (let i = 0; i < BLOCKS; i++) {
				blocks.push(table.create(2 ** 17, i));
			}
			const peak = gcinfo();
			print(
				`[measure] heap grew from ${math.floor(before / 1024)} to ${math.floor(peak / 1024)} MiB in ${string.format("%.3f", realtime() - real0)} s`,
			);
			// gcinfo() counts KiB of live heap.
			expect(peak >= (64 * MIB) / 1024).to.equal(true);
			let sum = 0;
			for (let i = 0; i < BLOCKS; i++) {
				const block = blocks[i];
				expect(block.size()).to.equal(2 ** 17);
				sum += block[0] + block[2 ** 17 - 1];
			}
			expect(sum).to.equal((BLOCKS - 1) * BLOCKS);
			blocks.clear();
		});
	});
};
