import { ClientMessage, PROTOCOL_VERSION, ServerMessage } from "shared/protocol/Messages";
import { listen, Loopback } from "./SyncFixture";

function sentOfType(loop: Loopback, kind: ClientMessage["type"]): number {
	return loop.sentByClient.filter((m) => m.type === kind).size();
}

export = () => {
	describe("GapDetection", () => {
		it("heals a lost push when a later message's number shows the hole, without the game calling anything", () => {
			const loop = new Loopback();
			loop.connect();
			let lost = 0;
			loop.dropToClient = (m) => m.type === "push" && lost++ < 1;
			loop.authority.write(loop.player, "coins", 70);
			loop.authority.write(loop.player, "nickname", "Later");
			loop.deliver();
			expect(loop.client.GetState("coins")).to.equal(0);
			expect(loop.client.GetState("nickname")).to.equal("Later");
			const heard = listen(loop.client, "coins");
			// Within the 0.3 s grace the hole may still fill (unreliable remotes reorder): no resync yet.
			loop.step(0.2);
			expect(sentOfType(loop, "resync")).to.equal(0);
			loop.step(0.15);
			expect(sentOfType(loop, "resync")).to.equal(1);
			expect(loop.client.GetState("coins")).to.equal(70);
			expect(loop.client.GetLevel("coins").version).to.equal(1);
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
			// Healed by itself: the only hello is the one connect() sent.
			expect(sentOfType(loop, "hello")).to.equal(1);
		});

		it("heals a lost last push after a silence: the ping's answer shows the hole", () => {
			const loop = new Loopback();
			loop.connect();
			loop.dropToClient = (m) => m.type === "push";
			loop.authority.write(loop.player, "coins", 90);
			loop.deliver();
			loop.dropToClient = () => false;
			for (let i = 0; i < 4; i++) loop.step(1);
			expect(sentOfType(loop, "ping")).to.equal(0);
			expect(loop.client.GetState("coins")).to.equal(0);
			loop.step(1); // 5 s of silence
			expect(sentOfType(loop, "ping")).to.equal(1);
			loop.step(0.35);
			expect(sentOfType(loop, "resync")).to.equal(1);
			expect(loop.client.GetState("coins")).to.equal(90);
			expect(sentOfType(loop, "hello")).to.equal(1);
		});

		it("waits out a reordered message instead of resyncing", () => {
			const loop = new Loopback();
			loop.connect();
			const held = new Array<ServerMessage>();
			loop.dropToClient = (m) => {
				held.push(m);
				return true;
			};
			loop.authority.write(loop.player, "coins", 1);
			loop.authority.write(loop.player, "nickname", "Two");
			loop.deliver();
			expect(held.size()).to.equal(2);
			loop.client.receive(held[1]);
			loop.step(0.1);
			loop.client.receive(held[0]);
			for (let i = 0; i < 10; i++) loop.step(0.1);
			expect(sentOfType(loop, "resync")).to.equal(0);
			expect(loop.client.GetState("coins")).to.equal(1);
			expect(loop.client.GetState("nickname")).to.equal("Two");
		});

		it("retries a lost resync with backoff (0.5 s, then 1 s) until it is answered", () => {
			const loop = new Loopback();
			loop.connect();
			let lostPushes = 0;
			loop.dropToClient = (m) => m.type === "push" && lostPushes++ < 1;
			let lostResyncs = 0;
			loop.dropToServer = (m) => m.type === "resync" && lostResyncs++ < 2;
			const times = new Array<number>();
			loop.authority.write(loop.player, "coins", 5);
			loop.authority.write(loop.player, "nickname", "Gap");
			loop.deliver();
			for (let i = 0; i < 40; i++) {
				const before = sentOfType(loop, "resync");
				loop.step(0.05);
				if (sentOfType(loop, "resync") > before) times.push(loop.time);
			}
			expect(times.size()).to.equal(3);
			expect(math.abs(times[1] - times[0] - 0.5) < 0.06).to.equal(true);
			expect(math.abs(times[2] - times[1] - 1) < 0.06).to.equal(true);
			expect(loop.client.GetState("coins")).to.equal(5);
		});

		it("notices a reconnect by itself: pings with backoff while the link is down, resyncs once it is back", () => {
			const loop = new Loopback();
			loop.connect();
			loop.dropToClient = () => true;
			loop.dropToServer = () => true;
			for (let i = 1; i <= 3; i++) loop.authority.write(loop.player, "coins", i * 100);
			for (let i = 0; i < 200; i++) loop.step(0.1); // 20 s down
			// 5 s of silence, then 0.5, 1, 2, 4, 4 s between unanswered pings: 6 by 20 s.
			expect(sentOfType(loop, "ping")).to.equal(6);
			expect(loop.client.GetState("coins")).to.equal(0);
			loop.dropToClient = () => false;
			loop.dropToServer = () => false;
			for (let i = 0; i < 50; i++) loop.step(0.1);
			expect(loop.client.GetState("coins")).to.equal(300);
			expect(loop.client.GetLevel("coins").version).to.equal(3);
			expect(sentOfType(loop, "resync")).to.equal(1);
			expect(sentOfType(loop, "hello")).to.equal(1);
		});

		it("does not ping while the server keeps talking", () => {
			const loop = new Loopback();
			loop.connect();
			for (let i = 1; i <= 15; i++) {
				loop.authority.write(loop.player, "coins", i);
				loop.step(2);
			}
			expect(sentOfType(loop, "ping")).to.equal(0);
			expect(sentOfType(loop, "resync")).to.equal(0);
		});

		it("takes a push that overtook the snapshot answering hello as in order, not as a hole", () => {
			const loop = new Loopback();
			const held = new Array<ServerMessage>();
			loop.dropToClient = (m) => {
				held.push(m);
				return true;
			};
			loop.connect();
			loop.authority.write(loop.player, "coins", 8);
			loop.deliver();
			expect(held.size()).to.equal(2);
			// The unreliable remote delivers the push (seq 2) before the snapshot (seq 1): neither a hole nor a
			// reason to take the older snapshot value of coins over the push.
			loop.client.receive(held[1]);
			loop.client.receive(held[0]);
			loop.dropToClient = () => false;
			loop.authority.write(loop.player, "nickname", "Three");
			loop.deliver();
			expect(loop.client.GetState("coins")).to.equal(8);
			for (let i = 0; i < 10; i++) loop.step(0.1);
			expect(sentOfType(loop, "resync")).to.equal(0);
			expect(loop.client.GetState("nickname")).to.equal("Three");
			expect(loop.client.GetState("coins")).to.equal(8);
		});

		it("never lets a resync answer older than a message already applied undo that message", () => {
			const loop = new Loopback();
			loop.connect();
			const seq = loop.sentByServer[loop.sentByServer.size() - 1].seq!;
			const v = PROTOCOL_VERSION;
			loop.client.receive({ type: "push", v, seq: seq + 2, key: "coins", value: 50, version: 5 });
			loop.client.receive({
				type: "snapshot",
				v,
				seq: seq + 1,
				partial: true,
				entries: [{ key: "coins", value: 40, version: 4 }],
			});
			expect(loop.client.GetState("coins")).to.equal(50);
			expect(loop.client.GetLevel("coins").version).to.equal(5);
		});
	});
};
