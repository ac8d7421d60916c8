/**
 * ChaCha20, Poly1305 and AEAD_CHACHA20_POLY1305 against RFC 8439's test vectors (sections 2.3.2, 2.4.2,
 * 2.5.2, 2.6.2, 2.8.2 and appendix A.3's reduction edge cases), plus vectors from Node's OpenSSL across
 * block boundaries; HMAC-SHA256 against RFC 4231.
 */
import { aeadOpen, aeadSeal } from "shared/core/security/ChaCha20Poly1305";
import { chacha20Block, chacha20Xor } from "shared/core/security/ChaCha20";
import { hmacSha256 } from "shared/core/security/HmacSha256";
import { poly1305 } from "shared/core/security/Poly1305";
import { OPENSSL_VECTORS } from "./OpenSslVectors";

const EncodingService = game.GetService("EncodingService");

function fromHex(text: string): buffer {
	const clean = text.gsub("[%s:]", "")[0];
	const out = buffer.create(clean.size() / 2);
	for (let i = 0; i < clean.size() / 2; i++) buffer.writeu8(out, i, tonumber(clean.sub(i * 2 + 1, i * 2 + 2), 16)!);
	return out;
}

function toHex(bytes: buffer): string {
	const parts = new Array<string>();
	for (let i = 0; i < buffer.len(bytes); i++) parts.push(string.format("%02x", buffer.readu8(bytes, i)));
	return parts.join("");
}

function range(from: number, count: number): buffer {
	const out = buffer.create(count);
	for (let i = 0; i < count; i++) buffer.writeu8(out, i, from + i);
	return out;
}

const SUNSCREEN =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";

export = () => {
	describe("ChaCha20", () => {
		it("gives RFC 8439 2.3.2's block for key 00..1f, counter 1, nonce 000000090000004a00000000", () => {
			const out = chacha20Block(range(0, 32), 1, fromHex("000000090000004a00000000"));
			expect(toHex(out)).to.equal(
				"10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
					"d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
			);
		});

		it("encrypts RFC 8439 2.4.2's sunscreen plaintext from counter 1", () => {
			const out = chacha20Xor(range(0, 32), 1, fromHex("000000000000004a00000000"), buffer.fromstring(SUNSCREEN));
			expect(toHex(out)).to.equal(
				"6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357" +
					"1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
					"5af90bbf74a35be6b40b8eedf2785e42874d",
			);
		});

		it("derives RFC 8439 2.6.2's Poly1305 key from block 0", () => {
			const otk = chacha20Block(range(0x80, 32), 0, fromHex("000000000001020304050607"));
			expect(toHex(otk).sub(1, 64)).to.equal("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646");
		});
	});

	describe("Poly1305", () => {
		it("gives RFC 8439 2.5.2's tag for 'Cryptographic Forum Research Group'", () => {
			const key = fromHex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
			expect(toHex(poly1305(key, buffer.fromstring("Cryptographic Forum Research Group")))).to.equal(
				"a8061dc1305136c6c22b8baf0c0127a9",
			);
		});

		it("reduces modulo 2^130 - 5 at the edges (RFC 8439 appendix A.3, vectors 5-8)", () => {
			const zeros = string.rep("00", 15);
			const cases: Array<[string, string, string]> = [
				["02" + zeros + "00" + zeros, string.rep("ff", 16), "03" + zeros],
				["02" + zeros + string.rep("ff", 16), "02" + zeros, "03" + zeros],
				[
					"01" + zeros + "00" + zeros,
					string.rep("ff", 16) + "f0" + string.rep("ff", 15) + "11" + zeros,
					"05" + zeros,
				],
				[
					"01" + zeros + "00" + zeros,
					string.rep("ff", 16) + "fb" + string.rep("fe", 15) + string.rep("01", 16),
					"00" + zeros,
				],
			];
			for (const [key, message, tag] of cases)
				expect(toHex(poly1305(fromHex(key), fromHex(message)))).to.equal(tag);
		});
	});

	describe("AEAD_CHACHA20_POLY1305", () => {
		const key = range(0x80, 32);
		const nonce = fromHex("070000004041424344454647");
		const aad = fromHex("50515253c0c1c2c3c4c5c6c7");

		it("seals RFC 8439 2.8.2's example to its ciphertext and tag, and opens it back", () => {
			const sealed = aeadSeal(key, nonce, buffer.fromstring(SUNSCREEN), aad);
			const hex = toHex(sealed);
			expect(hex.sub(1, hex.size() - 32)).to.equal(
				"d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
					"1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
					"3ff4def08e4b7a9de576d26586cec64b6116",
			);
			expect(hex.sub(hex.size() - 31)).to.equal("1ae10b594f09e26a7e902ecbd0600691");
			expect(buffer.tostring(aeadOpen(key, nonce, sealed, aad)!)).to.equal(SUNSCREEN);
		});

		it("refuses a flipped ciphertext bit, a flipped tag bit, other aad, another key or a truncated input", () => {
			const sealed = aeadSeal(key, nonce, buffer.fromstring(SUNSCREEN), aad);
			for (const at of [0, 50, buffer.len(sealed) - 1]) {
				const edited = buffer.create(buffer.len(sealed));
				buffer.copy(edited, 0, sealed);
				buffer.writeu8(edited, at, bit32.bxor(buffer.readu8(edited, at), 1));
				expect(aeadOpen(key, nonce, edited, aad)).to.equal(undefined);
			}
			expect(aeadOpen(key, nonce, sealed, buffer.fromstring("other"))).to.equal(undefined);
			expect(aeadOpen(range(0x81, 32), nonce, sealed, aad)).to.equal(undefined);
			expect(aeadOpen(key, nonce, buffer.create(15), aad)).to.equal(undefined);
		});

		it(`matches Node's OpenSSL on ${OPENSSL_VECTORS.size()} vectors from 0 to 300 bytes, across block edges`, () => {
			for (const v of OPENSSL_VECTORS) {
				const sealed = aeadSeal(fromHex(v.key), fromHex(v.nonce), fromHex(v.plaintext), fromHex(v.aad));
				expect(toHex(sealed)).to.equal(v.ciphertext + v.tag);
				const opened = aeadOpen(fromHex(v.key), fromHex(v.nonce), sealed, fromHex(v.aad));
				expect(toHex(opened!)).to.equal(v.plaintext);
			}
		});
	});

	describe("HMAC-SHA256", () => {
		it("gives RFC 4231's test cases 1, 2, 3 and 6 (a key longer than the block)", () => {
			const cases: Array<[buffer, buffer, string]> = [
				[
					fromHex(string.rep("0b", 20)),
					buffer.fromstring("Hi There"),
					"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
				],
				[
					buffer.fromstring("Jefe"),
					buffer.fromstring("what do ya want for nothing?"),
					"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
				],
				[
					fromHex(string.rep("aa", 20)),
					fromHex(string.rep("dd", 50)),
					"773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
				],
				[
					fromHex(string.rep("aa", 131)),
					buffer.fromstring("Test Using Larger Than Block-Size Key - Hash Key First"),
					"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
				],
			];
			for (const [key, message, mac] of cases)
				expect(toHex(hmacSha256(EncodingService, key, message))).to.equal(mac);
		});
	});
};
