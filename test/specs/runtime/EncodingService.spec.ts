/**
 * EncodingService as documented (reference/engine/classes/EncodingService, reference/engine/enums/HashAlgorithm,
 * reference/engine/enums/CompressionAlgorithm). Digests are checked against the published test vectors of
 * each algorithm for "abc".
 */
const EncodingService = game.GetService("EncodingService");
const DOC = "reference/engine/classes/EncodingService";

function hex(bytes: buffer): string {
	const parts = new Array<string>();
	for (let i = 0; i < buffer.len(bytes); i++) parts.push(string.format("%02x", buffer.readu8(bytes, i)));
	return parts.join("");
}

function text(bytes: buffer): string {
	return buffer.tostring(bytes);
}

const ABC = {
	Md5: "900150983cd24fb0d6963f7d28e17f72",
	Sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",
	Sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	Blake2b: "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
	Blake3: "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
};

export = () => {
	describe("EncodingService", () => {
		it(`Base64Encode and Base64Decode work on buffers, with padding (${DOC})`, () => {
			const cases: Array<[string, string]> = [
				["", ""],
				["f", "Zg=="],
				["fo", "Zm8="],
				["foo", "Zm9v"],
				["foob", "Zm9vYg=="],
				["fooba", "Zm9vYmE="],
				["foobar", "Zm9vYmFy"],
			];
			for (const [plain, encoded] of cases) {
				expect(text(EncodingService.Base64Encode(buffer.fromstring(plain)))).to.equal(encoded);
				expect(text(EncodingService.Base64Decode(buffer.fromstring(encoded)))).to.equal(plain);
			}
			const bytes = buffer.create(256);
			for (let i = 0; i < 256; i++) buffer.writeu8(bytes, i, i);
			expect(text(EncodingService.Base64Decode(EncodingService.Base64Encode(bytes)))).to.equal(text(bytes));
		});

		it(`Base64Decode throws on input that is not Base64 (${DOC})`, () => {
			expect(() => EncodingService.Base64Decode(buffer.fromstring("Zm9v!"))).to.throw();
			expect(() => EncodingService.Base64Decode(buffer.fromstring("Zm9vY"))).to.throw();
			expect(() => EncodingService.Base64Decode(buffer.fromstring("Zm*v"))).to.throw();
		});

		it(`ComputeBufferHash gives each Enum.HashAlgorithm's digest as a buffer of its documented size (${DOC})`, () => {
			const input = buffer.fromstring("abc");
			expect(hex(EncodingService.ComputeBufferHash(input, Enum.HashAlgorithm.Md5))).to.equal(ABC.Md5);
			expect(hex(EncodingService.ComputeBufferHash(input, Enum.HashAlgorithm.Sha1))).to.equal(ABC.Sha1);
			expect(hex(EncodingService.ComputeBufferHash(input, Enum.HashAlgorithm.Sha256))).to.equal(ABC.Sha256);
			expect(hex(EncodingService.ComputeBufferHash(input, Enum.HashAlgorithm.Blake2b))).to.equal(ABC.Blake2b);
			expect(hex(EncodingService.ComputeBufferHash(input, Enum.HashAlgorithm.Blake3))).to.equal(ABC.Blake3);
			const binary = buffer.create(3);
			buffer.writeu8(binary, 0, 0);
			buffer.writeu8(binary, 1, 255);
			buffer.writeu8(binary, 2, 128);
			// Bytes over 127 and zero bytes are hashed as bytes (the runtime escapes them on their way to Node).
			expect(hex(EncodingService.ComputeBufferHash(binary, Enum.HashAlgorithm.Sha256))).to.equal(
				"f742b965f156c10374bc23aea96e3a8aff8facd6fc079defeaa30219ad86f211",
			);
			// ...and so are the escape's own characters: "%", "!" and a literal "%FF" (0x25 0x46 0x46).
			const escapes = buffer.create(8);
			[0, 255, 128, 0x25, 0x21, 0x25, 0x46, 0x46].forEach((b, i) => buffer.writeu8(escapes, i, b));
			expect(hex(EncodingService.ComputeBufferHash(escapes, Enum.HashAlgorithm.Sha256))).to.equal(
				"11261e25299c87290b7cbfc06bc49cd19701def073a9a013abe48d728040178f",
			);
			expect(buffer.len(EncodingService.ComputeBufferHash(binary, Enum.HashAlgorithm.Md5))).to.equal(16);
		});

		it(`ComputeStringHash returns the raw digest bytes as a string (${DOC})`, () => {
			const digest = EncodingService.ComputeStringHash("abc", Enum.HashAlgorithm.Sha256);
			expect(digest.size()).to.equal(32);
			expect(hex(buffer.fromstring(digest))).to.equal(ABC.Sha256);
		});

		it(`CompressBuffer with Zstd round-trips through DecompressBuffer and shrinks repetitive data (${DOC})`, () => {
			const input = buffer.fromstring(string.rep("player data ", 500));
			const compressed = EncodingService.CompressBuffer(input, Enum.CompressionAlgorithm.Zstd);
			expect(buffer.len(compressed) < buffer.len(input) / 10).to.equal(true);
			// A Zstandard frame starts with its magic number 0xFD2FB528 (little-endian).
			expect(buffer.readu32(compressed, 0)).to.equal(0xfd2fb528);
			const back = EncodingService.DecompressBuffer(compressed, Enum.CompressionAlgorithm.Zstd);
			expect(text(back)).to.equal(text(input));
			const stronger = EncodingService.CompressBuffer(input, Enum.CompressionAlgorithm.Zstd, 19);
			expect(text(EncodingService.DecompressBuffer(stronger, Enum.CompressionAlgorithm.Zstd))).to.equal(
				text(input),
			);
			expect(EncodingService.GetDecompressedBufferSize(compressed, Enum.CompressionAlgorithm.Zstd)).to.equal(
				buffer.len(input),
			);
			// Every byte value survives the round trip, both ways across the runtime's boundary.
			const bytes = buffer.create(512);
			for (let i = 0; i < 512; i++) buffer.writeu8(bytes, i, i % 256);
			const frame = EncodingService.CompressBuffer(bytes, Enum.CompressionAlgorithm.Zstd);
			expect(text(EncodingService.DecompressBuffer(frame, Enum.CompressionAlgorithm.Zstd))).to.equal(text(bytes));
		});

		it(`DecompressBuffer throws on data that is not Zstd, and GetDecompressedBufferSize gives nil (${DOC})`, () => {
			const junk = buffer.fromstring("this is not a zstd frame");
			expect(() => EncodingService.DecompressBuffer(junk, Enum.CompressionAlgorithm.Zstd)).to.throw();
			expect(EncodingService.GetDecompressedBufferSize(junk, Enum.CompressionAlgorithm.Zstd)).to.equal(undefined);
		});

		it(`refuses a string where a buffer is expected and an algorithm that is not an Enum item (${DOC})`, () => {
			expect(() => EncodingService.Base64Encode("abc" as unknown as buffer)).to.throw("must be a buffer");
			expect(() =>
				EncodingService.ComputeBufferHash(buffer.fromstring("abc"), "Sha256" as unknown as Enum.HashAlgorithm),
			).to.throw("Enum.HashAlgorithm");
		});
	});
};
