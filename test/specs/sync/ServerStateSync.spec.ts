import { MemoryStateAuthority } from "server/sync/MemoryStateAuthority";
import { ServerStateSync } from "server/sync/ServerStateSync";
import { PROTOCOL_VERSION, RejectMessage, ServerMessage } from "shared/protocol/Messages";
import { captureOutput } from "../harness/World";
import { Loopback, SPEC_DEFAULTS, specKeys } from "./SyncFixture";

type Setup = {
	sync: ServerStateSync;
	authority: MemoryStateAuthority;
	sent: Array<ServerMessage>;
	clock: { t: number };
};

function setup(flood?: { rate: number; burst: number }): Setup {
	const sent = new Array<ServerMessage>();
	const clock = { t: 0 };
	const authority = new MemoryStateAuthority({ defaults: SPEC_DEFAULTS });
	const sync = new ServerStateSync({
		send: (_player, message) => sent.push(message),
		authority,
		keys: specKeys(),
		flood,
		now: () => clock.t,
	});
	return { sync, authority, sent, clock };
}

const PLAYER = { Name: "P", UserId: 5 } as unknown as Player;

function propose(id: number, key: string, value: unknown, base = 0) {
	return { type: "propose", v: PROTOCOL_VERSION, id, key, value, base };
}

function last(s: Setup): ServerMessage {
	return s.sent[s.sent.size() - 1];
}

export = () => {
	describe("ServerStateSync", () => {
		it("applies a valid proposal and acks it with the new version", () => {
			const s = setup();
			s.sync.receive(PLAYER, propose(1, "nickname", "Ada"));
			const ack = last(s);
			expect(ack.type).to.equal("ack");
			expect(ack.type === "ack" && ack.id === 1 && ack.version === 1).to.equal(true);
			expect(s.authority.read(PLAYER, "nickname").value).to.equal("Ada");
		});

		it("answers a retried request id with the first answer and never applies it twice", () => {
			const s = setup();
			for (let i = 0; i < 5; i++) s.sync.receive(PLAYER, propose(7, "nickname", "Once"));
			expect(s.authority.appliedCount()).to.equal(1);
			expect(s.sent.size()).to.equal(5);
			for (const message of s.sent) expect(message.type === "ack" && message.version === 1).to.equal(true);
			expect(s.sync.getStats().replayed).to.equal(4);
		});

		it("refuses an id that left the replay window as duplicate instead of applying it", () => {
			const s = setup({ rate: 1000, burst: 1000 });
			for (let id = 1; id <= 300; id++) {
				s.clock.t += 1;
				s.sync.receive(PLAYER, propose(id, "nickname", `n${id}`, id - 1));
			}
			expect(s.authority.appliedCount()).to.equal(300);
			s.sync.receive(PLAYER, propose(3, "nickname", "again", 300));
			const answer = last(s) as RejectMessage;
			expect(answer.reason).to.equal("duplicate");
			expect(s.authority.appliedCount()).to.equal(300);
		});

		it("rejects unknown keys, server-only keys and invalid values with their reasons", () => {
			const s = setup();
			s.sync.receive(PLAYER, propose(1, "admin", true));
			expect((last(s) as RejectMessage).reason).to.equal("unknownKey");
			expect((last(s) as RejectMessage).key).to.equal(undefined);
			s.sync.receive(PLAYER, propose(2, "coins", 1e9));
			expect((last(s) as RejectMessage).reason).to.equal("serverOnly");
			// The client already holds the server's value; a refusal does not echo it.
			expect((last(s) as RejectMessage).value).to.equal(undefined);
			s.sync.receive(PLAYER, propose(3, "settings", { music: "loud" }));
			expect((last(s) as RejectMessage).reason).to.equal("invalidValue");
			s.sync.receive(PLAYER, propose(4, "settings", { music: true, extra: 1 }));
			expect((last(s) as RejectMessage).reason).to.equal("invalidValue");
			s.sync.receive(PLAYER, propose(5, "nickname", string.rep("x", 21)));
			expect((last(s) as RejectMessage).reason).to.equal("invalidValue");
			expect(s.authority.appliedCount()).to.equal(0);
		});

		it("rejects a stale base version as conflict", () => {
			const s = setup();
			s.authority.write(PLAYER, "nickname", "Server");
			s.sync.receive(PLAYER, propose(1, "nickname", "Client", 0));
			const answer = last(s) as RejectMessage;
			expect(answer.reason).to.equal("conflict");
			expect(answer.value).to.equal("Server");
			expect(answer.version).to.equal(1);
		});

		it("applies a stale proposal of a client_wins key instead of refusing it", () => {
			const s = setup();
			s.authority.write(PLAYER, "emote", "dance");
			s.sync.receive(PLAYER, propose(1, "emote", "cheer", 0));
			expect(last(s).type).to.equal("ack");
			expect(s.authority.read(PLAYER, "emote").value).to.equal("cheer");
			expect(s.authority.read(PLAYER, "emote").version).to.equal(2);
		});

		it("holds each key to its rate limit: 10 at once, then 5 per second", () => {
			const s = setup({ rate: 1000, burst: 1000 });
			let accepted = 0;
			for (let id = 1; id <= 30; id++) {
				s.sync.receive(PLAYER, propose(id, "settings", { music: id % 2 === 0 }, accepted));
				if (last(s).type === "ack") accepted++;
			}
			expect(accepted).to.equal(10);
			expect((last(s) as RejectMessage).reason).to.equal("rateLimited");
			s.clock.t += 1;
			for (let id = 31; id <= 40; id++) {
				s.sync.receive(PLAYER, propose(id, "settings", { music: true }, accepted));
				if (last(s).type === "ack") accepted++;
			}
			expect(accepted).to.equal(15);
		});

		it("throttles a flood: 60 messages at once, then 30 per second, whatever they are", () => {
			const s = setup();
			for (let i = 1; i <= 200; i++) s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			let snapshots = 0;
			let throttled = 0;
			for (const message of s.sent) {
				if (message.type === "snapshot") snapshots++;
				if (message.type === "reject" && message.reason === "throttled") throttled++;
			}
			expect(snapshots).to.equal(60);
			expect(throttled).to.equal(140);
			s.clock.t += 1;
			s.sent.clear();
			for (let i = 1; i <= 200; i++) s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			expect(s.sent.filter((m) => m.type === "snapshot").size()).to.equal(30);
		});

		it("sends a snapshot of every registered key for hello", () => {
			const s = setup();
			s.authority.write(PLAYER, "coins", 40);
			s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			const snapshot = last(s);
			expect(snapshot.type).to.equal("snapshot");
			if (snapshot.type === "snapshot") {
				expect(snapshot.entries.size()).to.equal(6);
				const coins = snapshot.entries.find((e) => e.key === "coins")!;
				expect(coins.value).to.equal(40);
				expect(coins.version).to.equal(1);
			}
		});

		it("holds the snapshot back while the authority is not ready, then syncs the client's next hello", () => {
			const loop = new Loopback();
			let ready = false;
			// What DataServiceAuthority does while the player's profile is still loading.
			(loop.authority as unknown as { ready: (player: Player) => boolean }).ready = () => ready;
			loop.connect();
			expect(loop.sentByServer.size()).to.equal(0);
			expect(loop.client.IsSynced()).to.equal(false);
			// The client asks again with backoff (at 0, 1, 2, 4 and 8 s on 1 s steps) and gets nothing meanwhile.
			for (let i = 0; i < 8; i++) loop.step(1);
			expect(loop.sentByClient.filter((m) => m.type === "hello").size()).to.equal(5);
			expect(loop.client.IsSynced()).to.equal(false);
			ready = true;
			loop.step(4);
			expect(loop.client.IsSynced()).to.equal(true);
			expect(loop.client.GetState("nickname")).to.equal("anon");
			expect(loop.sentByServer.filter((m) => m.type === "snapshot").size()).to.equal(1);
		});

		it("tells the authority to forget a player who left", () => {
			const loop = new Loopback();
			const forgotten = new Array<Player>();
			(loop.authority as unknown as { forget(player: Player): void }).forget = function (
				this: unknown,
				player: Player,
			) {
				forgotten.push(player);
			};
			loop.connect();
			loop.server.removePlayer(loop.player);
			expect(forgotten.size()).to.equal(1);
			expect(forgotten[0]).to.equal(loop.player);
		});

		it("pushes server-side writes to the player they belong to", () => {
			const s = setup();
			s.authority.write(PLAYER, "coins", 12);
			const push = last(s);
			expect(push.type === "push" && push.key === "coins" && push.value === 12 && push.version === 1).to.equal(
				true,
			);
		});

		it("keeps players apart: one player's state, throttle and ids are its own", () => {
			const s = setup();
			const other = { Name: "Q", UserId: 6 } as unknown as Player;
			s.sync.receive(PLAYER, propose(1, "nickname", "P"));
			s.sync.receive(other, propose(1, "nickname", "Q"));
			expect(s.authority.read(PLAYER, "nickname").value).to.equal("P");
			expect(s.authority.read(other, "nickname").value).to.equal("Q");
			expect(s.authority.appliedCount()).to.equal(2);
		});

		it("rejects as denied, with a prefixed warning, when the authority throws", () => {
			const sent = new Array<ServerMessage>();
			const sync = new ServerStateSync({
				send: (_player, message) => sent.push(message),
				authority: {
					read() {
						return { value: "v", version: 3 };
					},
					apply() {
						return error("store is down");
					},
				},
				keys: specKeys(),
			});
			const output = captureOutput(() => sync.receive(PLAYER, propose(1, "nickname", "x", 3)));
			expect((sent[0] as RejectMessage).reason).to.equal("denied");
			expect(output.size()).to.equal(1);
			expect(output[0].message.find("[StateSync]", 1, true)[0]).to.equal(1);
		});
	});
};
