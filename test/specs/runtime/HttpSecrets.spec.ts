/**
 * HttpService:GetSecret and the Secret data type (reference/engine/datatypes/Secret,
 * reference/engine/classes/HttpService), with secrets set by specs through the harness.
 */
import { HttpService } from "@rbxts/services";
import { revealSecret, setSecret } from "../harness/Secrets";
import { newServer, stopOtherServers } from "../harness/World";

const DOC = "reference/engine/datatypes/Secret";

export = () => {
	afterEach(() => {
		setSecret("api_key", undefined);
		stopOtherServers();
	});

	describe("HttpService:GetSecret", () => {
		it(`returns a Secret whose content cannot be read as text (${DOC})`, () => {
			setSecret("api_key", "s3cr3t-value");
			const secret = HttpService.GetSecret("api_key");
			expect(typeOf(secret)).to.equal("Secret");
			expect(tostring(secret).find("s3cr3t", 1, true)[0]).to.equal(undefined);
			const [concatenated] = pcall(() => (secret as unknown as string) + "x");
			expect(concatenated).to.equal(false);
			expect(() => HttpService.JSONEncode({ key: secret })).to.throw();
			expect(revealSecret(secret)).to.equal("s3cr3t-value");
		});

		it(`AddPrefix and AddSuffix give new Secrets around the content (${DOC})`, () => {
			setSecret("api_key", "KEY");
			const secret = HttpService.GetSecret("api_key");
			const header = secret.AddPrefix("Bearer ");
			const url = secret.AddPrefix("https://example.com?key=").AddSuffix("&user=1");
			expect(revealSecret(header)).to.equal("Bearer KEY");
			expect(revealSecret(url)).to.equal("https://example.com?key=KEY&user=1");
			expect(revealSecret(secret)).to.equal("KEY");
			expect(() => secret.AddPrefix(5 as unknown as string)).to.throw("must be a string");
		});

		it(`errors for a key with no secret, and a data store refuses a Secret (${DOC}, reference/engine/classes/HttpService)`, () => {
			expect(() => HttpService.GetSecret("missing_key")).to.throw("missing_key");
			setSecret("api_key", "KEY");
			const secret = HttpService.GetSecret("api_key");
			const store = game.GetService("DataStoreService").GetDataStore("Secrets");
			const [ok, err] = pcall(() => store.SetAsync("k", { secret }));
			expect(ok).to.equal(false);
			expect(tostring(err).sub(1, 4)).to.equal("103:");
		});

		it(`is the same for every server of the world, and only on servers (${DOC})`, () => {
			setSecret("api_key", "SHARED");
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 6201, client: true });
			const onServer = server.run(() => revealSecret(server.game.GetService("HttpService").GetSecret("api_key")));
			expect(onServer).to.equal("SHARED");
			const client = server.clientOf(player)!;
			const ok = client.run(() => {
				const [succeeded] = pcall(() => client.game.GetService("HttpService").GetSecret("api_key"));
				return succeeded;
			});
			expect(ok).to.equal(false);
		});
	});
};
