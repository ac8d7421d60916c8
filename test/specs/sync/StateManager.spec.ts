import { captureOutput } from "../harness/World";
import { PROTOCOL_VERSION, ProposeMessage } from "shared/protocol/Messages";
import { listen, Loopback, STATE_PRIORITIES } from "./SyncFixture";

function proposals(loop: Loopback): Array<ProposeMessage> {
	return loop.sentByClient.filter((m): m is ProposeMessage => m.type === "propose");
}

export = () => {
	describe("StateManager", () => {
		it("reads the server's snapshot after connecting", () => {
			const loop = new Loopback();
			expect(loop.client.IsSynced()).to.equal(false);
			loop.connect();
			expect(loop.client.IsSynced()).to.equal(true);
			expect(loop.client.GetState("nickname")).to.equal("anon");
			expect(loop.client.GetState("coins")).to.equal(0);
			expect((loop.client.GetState("inventory") as Array<string>)[0]).to.equal("sword");
			expect(loop.client.GetLevel("coins").level).to.equal("confirmed");
		});

		it("applies a change at once, then confirms it when the server acks", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "nickname");
			loop.client.SetState("nickname", "Builder", STATE_PRIORITIES.HIGH);
			expect(loop.client.GetState("nickname")).to.equal("Builder");
			expect(loop.client.GetLevel("nickname").level).to.equal("pending");
			expect(loop.client.GetState("nickname", "confirmed")).to.equal("anon");
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("local");
			expect(heard[0].old).to.equal("anon");
			loop.step(0.016);
			expect(heard.size()).to.equal(2);
			expect(heard[1].changeType).to.equal("confirmed");
			expect(heard[1].value).to.equal("Builder");
			expect(loop.client.GetLevel("nickname").level).to.equal("confirmed");
			expect(loop.client.GetLevel("nickname").version).to.equal(1);
			expect(loop.authority.read(loop.player, "nickname").value).to.equal("Builder");
		});

		it("rolls a refused change back and tells listeners it was rejected, with the reason", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "settings");
			loop.client.SetState("settings", { music: false, volume: 7 }, STATE_PRIORITIES.CRITICAL);
			expect((loop.client.GetState("settings") as { volume: number }).volume).to.equal(7);
			loop.deliver();
			expect((loop.client.GetState("settings") as { volume: number }).volume).to.equal(0.5);
			expect(heard.size()).to.equal(2);
			expect(heard[1].changeType).to.equal("rejected");
			expect(heard[1].reason).to.equal("invalidValue");
			expect((heard[1].old as { volume: number }).volume).to.equal(7);
			expect((heard[1].value as { music: boolean }).music).to.equal(true);
			expect(loop.authority.read(loop.player, "settings").version).to.equal(0);
		});

		it("rejects a change of a server-only key and restores the server's value", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "coins");
			loop.client.SetState("coins", 1000, STATE_PRIORITIES.HIGH);
			expect(loop.client.GetState("coins")).to.equal(1000);
			loop.step(0.016);
			expect(loop.client.GetState("coins")).to.equal(0);
			expect(heard[1].changeType).to.equal("rejected");
			expect(heard[1].reason).to.equal("serverOnly");
			expect(loop.authority.read(loop.player, "coins").value).to.equal(0);
		});

		it("delivers server pushes to listeners as server changes", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "coins");
			loop.authority.write(loop.player, "coins", 250);
			loop.deliver();
			expect(loop.client.GetState("coins")).to.equal(250);
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
			expect(heard[0].old).to.equal(0);
			expect(heard[0].value).to.equal(250);
		});

		it("sends a critical change inside SetState and batches a low one for half a second", () => {
			const loop = new Loopback();
			loop.connect();
			loop.client.SetState("nickname", "Now", STATE_PRIORITIES.CRITICAL);
			expect(proposals(loop).size()).to.equal(1);
			loop.client.SetState("settings", { music: false, volume: 0.1 }, STATE_PRIORITIES.LOW);
			loop.step(0.25);
			expect(proposals(loop).size()).to.equal(1);
			loop.step(0.3);
			expect(proposals(loop).size()).to.equal(2);
			expect(loop.client.GetLevel("settings").level).to.equal("confirmed");
		});

		it("coalesces changes of one key made in the same batch into one proposal of the newest value", () => {
			const loop = new Loopback();
			loop.connect();
			for (let i = 1; i <= 10; i++) loop.client.SetState("nickname", `name${i}`, STATE_PRIORITIES.NORMAL);
			loop.step(0.05);
			expect(proposals(loop).size()).to.equal(0);
			loop.step(0.06);
			expect(proposals(loop).size()).to.equal(1);
			expect(proposals(loop)[0].value).to.equal("name10");
			expect(loop.authority.read(loop.player, "nickname").version).to.equal(1);
		});

		it("holds a change made while another is in flight until the first is answered", () => {
			const loop = new Loopback();
			loop.connect();
			loop.client.SetState("nickname", "first", STATE_PRIORITIES.CRITICAL);
			loop.client.SetState("nickname", "second", STATE_PRIORITIES.CRITICAL);
			expect(proposals(loop).size()).to.equal(1);
			loop.deliver();
			loop.step(0.016);
			expect(proposals(loop).size()).to.equal(2);
			expect(proposals(loop)[1].base).to.equal(1);
			expect(loop.authority.read(loop.player, "nickname").value).to.equal("second");
			expect(loop.authority.read(loop.player, "nickname").version).to.equal(2);
		});

		it("drops a change made on top of a refused one with it, rolls back to the server's value, and sends neither", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "settings");
			loop.client.SetState("settings", { music: false, volume: 7 }, STATE_PRIORITIES.CRITICAL);
			// Made while the first is in flight, from the value the player saw: it waits behind it.
			loop.client.SetState("settings", { music: false, volume: 0.2 }, STATE_PRIORITIES.NORMAL);
			loop.deliver();
			const shown = loop.client.GetState("settings") as { music: boolean; volume: number };
			expect(`music ${shown.music}, volume ${shown.volume}`).to.equal("music true, volume 0.5");
			expect(loop.client.GetLevel("settings").level).to.equal("confirmed");
			expect(loop.client.HasPending()).to.equal(false);
			expect(heard.map((h) => h.changeType).join(",")).to.equal("local,local,rejected");
			expect((heard[2].old as { volume: number }).volume).to.equal(0.2);
			for (let i = 0; i < 20; i++) loop.step(0.25);
			expect(proposals(loop).size()).to.equal(1);
			expect(loop.authority.read(loop.player, "settings").version).to.equal(0);
			expect(heard.size()).to.equal(3);
		});

		it("retries a lost proposal with the same id and backoff, and applies it once", () => {
			const loop = new Loopback();
			loop.connect();
			let lost = 0;
			loop.dropToServer = (m) => m.type === "propose" && lost++ < 2;
			loop.client.SetState("nickname", "Persistent", STATE_PRIORITIES.CRITICAL);
			loop.step(0.4);
			expect(proposals(loop).size()).to.equal(1);
			loop.step(0.2); // 0.5 s after the first send
			expect(proposals(loop).size()).to.equal(2);
			loop.step(0.9);
			expect(proposals(loop).size()).to.equal(2);
			loop.step(0.2); // 1 s after the second send
			expect(proposals(loop).size()).to.equal(3);
			expect(proposals(loop)[2].id).to.equal(proposals(loop)[0].id);
			expect(loop.client.GetLevel("nickname").level).to.equal("confirmed");
			expect(loop.authority.appliedCount()).to.equal(1);
		});

		it("answers a retry whose ack was lost from the replay cache instead of applying it twice", () => {
			const loop = new Loopback();
			loop.connect();
			let lost = 0;
			loop.dropToClient = (m) => m.type === "ack" && lost++ < 3;
			const heard = listen(loop.client, "nickname");
			loop.client.SetState("nickname", "Once", STATE_PRIORITIES.CRITICAL);
			for (let i = 0; i < 40; i++) loop.step(0.25);
			expect(loop.authority.appliedCount()).to.equal(1);
			expect(loop.authority.read(loop.player, "nickname").version).to.equal(1);
			expect(loop.server.getStats().replayed).to.equal(3);
			expect(heard[heard.size() - 1].changeType).to.equal("confirmed");
			expect(loop.client.HasPending()).to.equal(false);
		});

		it("gives up after the last attempt and rolls back with reason timeout", () => {
			const loop = new Loopback();
			loop.connect();
			loop.dropToServer = () => true;
			const heard = listen(loop.client, "nickname");
			loop.client.SetState("nickname", "Void", STATE_PRIORITIES.CRITICAL);
			for (let i = 0; i < 200; i++) loop.step(0.25);
			expect(proposals(loop).size()).to.equal(8);
			expect(loop.client.GetState("nickname")).to.equal("anon");
			expect(heard[heard.size() - 1].changeType).to.equal("rejected");
			expect(heard[heard.size() - 1].reason).to.equal("timeout");
		});

		it("asks for a snapshot after giving up, so a change the server applied but never acked comes back", () => {
			const loop = new Loopback();
			loop.connect();
			loop.dropToClient = (m) => m.type === "ack";
			const heard = listen(loop.client, "nickname");
			loop.client.SetState("nickname", "Applied", STATE_PRIORITIES.CRITICAL);
			for (let i = 0; i < 200; i++) loop.step(0.25);
			expect(loop.authority.appliedCount()).to.equal(1);
			expect(loop.client.GetState("nickname")).to.equal("Applied");
			expect(loop.client.GetLevel("nickname").version).to.equal(1);
			// The lost acks left holes in the sequence: a ping's answer showed them and a resync brought the
			// applied value in under the pending one, so the give-up rolls "back" to it and the snapshot is quiet.
			const types = heard.map((h) => h.changeType).join(",");
			expect(types).to.equal("local,rejected");
			expect(heard[1].value).to.equal("Applied");
			expect(loop.sentByClient.filter((m) => m.type === "resync").size() >= 1).to.equal(true);
		});

		it("reconciles to the server's version from the snapshot after reconnecting", () => {
			const loop = new Loopback();
			loop.connect();
			const old = loop.client;
			loop.authority.write(loop.player, "coins", 10);
			loop.deliver();
			expect(old.GetState("coins")).to.equal(10);
			// Disconnected: the pushes are lost.
			loop.dropToClient = () => true;
			loop.authority.write(loop.player, "coins", 20);
			loop.authority.write(loop.player, "coins", 30);
			loop.deliver();
			expect(old.GetState("coins")).to.equal(10);
			loop.dropToClient = () => false;
			const heard = listen(old, "coins");
			old.connect();
			loop.deliver();
			expect(old.GetState("coins")).to.equal(30);
			expect(old.GetLevel("coins").version).to.equal(3);
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
		});

		it("resends an in-flight proposal on reconnect and settles it by the server's answer", () => {
			const loop = new Loopback();
			loop.connect();
			loop.dropToClient = () => true;
			loop.client.SetState("nickname", "Mid", STATE_PRIORITIES.CRITICAL);
			loop.deliver();
			expect(loop.authority.appliedCount()).to.equal(1);
			loop.dropToClient = () => false;
			loop.client.connect();
			loop.deliver();
			expect(loop.authority.appliedCount()).to.equal(1);
			expect(loop.client.GetLevel("nickname").level).to.equal("confirmed");
			expect(loop.client.GetState("nickname")).to.equal("Mid");
		});

		it("tracks the saved level below the confirmed one", () => {
			const loop = new Loopback();
			loop.connect();
			loop.client.SetState("nickname", "Saved", STATE_PRIORITIES.CRITICAL);
			loop.deliver();
			expect(loop.client.GetLevel("nickname").level).to.equal("confirmed");
			expect(loop.client.GetState("nickname", "saved")).to.equal(undefined);
			loop.server.markSaved(loop.player, "nickname");
			loop.deliver();
			expect(loop.client.GetLevel("nickname").level).to.equal("saved");
			expect(loop.client.GetState("nickname", "saved")).to.equal("Saved");
			loop.client.SetState("nickname", "Unsaved", STATE_PRIORITIES.CRITICAL);
			loop.deliver();
			expect(loop.client.GetLevel("nickname").level).to.equal("confirmed");
			expect(loop.client.GetState("nickname")).to.equal("Unsaved");
			expect(loop.client.GetState("nickname", "saved")).to.equal("Saved");
		});

		it("proposes from the version a push brought when the push arrived before sending", () => {
			const loop = new Loopback();
			loop.connect();
			loop.client.SetState("nickname", "Mine", STATE_PRIORITIES.HIGH);
			loop.authority.write(loop.player, "nickname", "Admin");
			loop.deliver();
			expect(loop.client.GetState("nickname")).to.equal("Mine");
			loop.step(0.016);
			expect(proposals(loop)[0].base).to.equal(1);
			expect(loop.client.GetState("nickname")).to.equal("Mine");
			expect(loop.authority.read(loop.player, "nickname").version).to.equal(2);
		});

		it("rolls back to the newer server value when a server write raced an in-flight change", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "nickname");
			loop.client.SetState("nickname", "Mine", STATE_PRIORITIES.CRITICAL);
			loop.authority.write(loop.player, "nickname", "Admin");
			loop.deliver();
			expect(loop.client.GetState("nickname")).to.equal("Admin");
			expect(heard[heard.size() - 1].changeType).to.equal("rejected");
			expect(heard[heard.size() - 1].reason).to.equal("conflict");
			expect(loop.authority.read(loop.player, "nickname").value).to.equal("Admin");
		});

		it("stops calling a listener after Disconnect and keeps going when a listener errors", () => {
			const loop = new Loopback();
			loop.connect();
			let calls = 0;
			const handle = loop.client.AddChangeListener("coins", () => calls++);
			const faulty = loop.client.AddChangeListener("coins", () => error("listener bug"));
			const output = captureOutput(() => {
				loop.authority.write(loop.player, "coins", 1);
				loop.deliver();
			});
			faulty.Disconnect();
			expect(calls).to.equal(1);
			expect(output.size()).to.equal(1);
			expect(output[0].kind).to.equal("warn");
			expect(output[0].message.find("listener bug")[0] !== undefined).to.equal(true);
			expect(handle.Connected).to.equal(true);
			handle.Disconnect();
			handle.Disconnect();
			expect(handle.Connected).to.equal(false);
			loop.authority.write(loop.player, "coins", 2);
			loop.deliver();
			expect(calls).to.equal(1);
			expect(loop.client.GetState("coins")).to.equal(2);
		});

		it("hands listeners and getters copies, so mutating them cannot change state", () => {
			const loop = new Loopback();
			loop.connect();
			const got = loop.client.GetState("settings") as { volume: number };
			got.volume = 99;
			expect((loop.client.GetState("settings") as { volume: number }).volume).to.equal(0.5);
		});

		it("asks for the snapshot again when the first hello is lost", () => {
			const loop = new Loopback();
			let lost = 0;
			loop.dropToServer = (m) => m.type === "hello" && lost++ < 1;
			loop.connect();
			expect(loop.client.IsSynced()).to.equal(false);
			loop.step(0.6);
			expect(loop.client.IsSynced()).to.equal(true);
		});

		it("ignores server messages it cannot read, without throwing or changing state", () => {
			const loop = new Loopback();
			loop.connect();
			const heard = listen(loop.client, "coins");
			const V = PROTOCOL_VERSION;
			const garbage: Array<unknown> = [
				5,
				"push",
				{ type: "push", v: V, key: 5, value: 1, version: 9 },
				{ type: "push", v: 1, key: "coins", value: 1, version: 9 },
				{ type: "push", v: 3, key: "coins", value: 1, version: 9 },
				{ type: "ack", v: V, id: "1", key: "coins", version: 3 },
				{ type: "ack", v: V, id: 99, key: "coins", version: 3 },
				{ type: "reject", v: V, id: 99, reason: "conflict", message: "" },
				{ type: "snapshot", v: V, entries: [5, { key: 1 }, { key: "coins" }] },
				{ type: "snapshot", v: V, entries: "all" },
				{ type: "saved", v: V, key: "coins" },
				{ type: "patch", v: V, key: "coins", base: 0, version: 2, ops: "all" },
				{ type: "patch", v: V, key: "coins", base: 0, version: 2, ops: [{ path: "x", value: 1 }] },
				{ type: "patch", v: V, key: "coins", base: 0, version: 2, ops: [{ path: ["a"], value: 1 }] },
				{ type: "patch", v: V, key: "coins", base: 7, version: 9, ops: [{ path: [], value: 1 }] },
				{ type: "patch", v: V, key: "coins", version: 9, ops: [{ path: [], value: 1 }] },
				{ type: "unknown", v: V },
			];
			for (const message of garbage) loop.client.receive(message);
			expect(loop.client.GetState("coins")).to.equal(0);
			expect(loop.client.GetLevel("coins").version).to.equal(0);
			expect(heard.size()).to.equal(0);
			// The patches it could not apply made it ask for a resync, once (one is enough until answered).
			expect(loop.sentByClient.filter((m) => m.type === "resync").size()).to.equal(1);
		});

		it("throws on misuse (a non-string key, an unknown priority, a cyclic value) and keeps its state", () => {
			const loop = new Loopback();
			expect(() => loop.client.SetState(5 as unknown as string, 1)).to.throw();
			expect(() => loop.client.SetState("nickname", "x", "urgent" as never)).to.throw();
			const cyclic: Record<string, unknown> = {};
			cyclic.self = cyclic;
			loop.connect();
			expect(() => loop.client.SetState("settings", cyclic)).to.throw();
			expect((loop.client.GetState("settings") as { volume: number }).volume).to.equal(0.5);
			expect(loop.client.HasPending()).to.equal(false);
		});
	});
};
