import { HttpService } from "@rbxts/services";
import { MemoryStateAuthority } from "server/sync/MemoryStateAuthority";
import { ServerStateSync } from "server/sync/ServerStateSync";
import {
	PatchMessage,
	PROTOCOL_VERSION,
	PushMessage,
	SavedMessage,
	ServerMessage,
	SnapshotMessage,
} from "shared/protocol/Messages";
import { listen, Loopback, SPEC_DEFAULTS, specKeys } from "./SyncFixture";

type Item = { id: string; count: number };

function items(size: number): Array<Item> {
	const list = new Array<Item>();
	for (let i = 1; i <= size; i++) list.push({ id: `item_${i}`, count: i % 7 });
	return list;
}

function bytes(message: unknown): number {
	return HttpService.JSONEncode(message).size();
}

const PLAYER = { Name: "P", UserId: 5 } as unknown as Player;

/**
 * A server alone, recording what it sends; `hello` makes the player a numbered, patchable peer. Without
 * `subscribe`, the sync is not told of server writes (a store without change events).
 */
function server(subscribe = true) {
	const sent = new Array<ServerMessage>();
	const authority = new MemoryStateAuthority({ defaults: SPEC_DEFAULTS });
	const sync = new ServerStateSync({
		send: (_p, message) => sent.push(message),
		authority: subscribe
			? authority
			: {
					read(player, key) {
						return authority.read(player, key);
					},
					apply(player, key, value, context) {
						return authority.apply(player, key, value, context);
					},
				},
		keys: specKeys(),
	});
	const last = () => sent[sent.size() - 1];
	return { sent, authority, sync, last };
}

export = () => {
	describe("StatePatches", () => {
		it("pushes a one-item change of a 500-entry key as a patch against the version sent before", () => {
			const s = server();
			s.authority.write(PLAYER, "inventory", items(500));
			s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			const whole = bytes((s.last() as SnapshotMessage).entries.find((e) => e.key === "inventory"));
			const list = s.authority.read(PLAYER, "inventory").value as Array<Item>;
			list[99].count = 42;
			s.authority.write(PLAYER, "inventory", list);
			const patch = s.last() as PatchMessage;
			expect(patch.type).to.equal("patch");
			expect(patch.base).to.equal(1);
			expect(patch.version).to.equal(2);
			expect(patch.ops.size()).to.equal(1);
			expect(HttpService.JSONEncode(patch.ops[0].path)).to.equal('[100,"count"]');
			expect(patch.ops[0].value).to.equal(42);
			// 500 entries whole are about 15 KB; the patch is under 150 bytes.
			expect(whole > 10_000).to.equal(true);
			expect(bytes(patch) < 150).to.equal(true);
			expect(s.sync.getStats().patched).to.equal(1);
		});

		it("pushes the whole value when a patch would not be smaller", () => {
			const s = server();
			s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			s.authority.write(PLAYER, "inventory", ["shield", "bow"]);
			expect(s.last().type).to.equal("push");
			s.authority.write(PLAYER, "coins", 5);
			expect(s.last().type).to.equal("push");
			expect(s.sync.getStats().patched).to.equal(0);
		});

		it("numbers every message to a player 1, 2, 3, ... and each player on its own", () => {
			const s = server();
			const other = { Name: "Q", UserId: 6 } as unknown as Player;
			s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			s.sync.receive(other, { type: "hello", v: PROTOCOL_VERSION });
			s.authority.write(PLAYER, "coins", 1);
			s.sync.receive(PLAYER, { type: "ping", v: PROTOCOL_VERSION });
			s.sync.receive(PLAYER, { type: "propose", v: PROTOCOL_VERSION, id: 1, key: "admin", value: 1, base: 0 });
			const mine = s.sent.filter((_, i) => i !== 1).map((m) => m.seq);
			expect(HttpService.JSONEncode(mine)).to.equal("[1,2,3,4]");
			expect(s.sent[1].seq).to.equal(1);
			expect(s.sent[3].type).to.equal("pong");
		});

		it("serves a v1 client whole values, answered in v1 and never patched", () => {
			const s = server();
			s.authority.write(PLAYER, "inventory", items(500));
			s.sync.receive(PLAYER, { type: "hello", v: 1 });
			expect(s.last().v).to.equal(1);
			const list = s.authority.read(PLAYER, "inventory").value as Array<Item>;
			list[0].count = 9;
			s.authority.write(PLAYER, "inventory", list);
			const push = s.last() as PushMessage;
			expect(push.type).to.equal("push");
			expect(push.v).to.equal(1);
			expect((push.value as Array<Item>)[0].count).to.equal(9);
			// The v2-only messages are refused to it by version.
			s.sync.receive(PLAYER, { type: "resync", v: 1, versions: {} });
			expect(s.last().type === "reject" && s.last().v === 1).to.equal(true);
			expect((s.last() as { reason?: string }).reason).to.equal("unsupportedVersion");
		});

		it("answers a resync with only the keys whose version differs, as a patch where it holds that version", () => {
			const s = server(false);
			s.authority.write(PLAYER, "inventory", items(500));
			s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			// The sync is told nothing of these writes: the client missed them.
			const list = s.authority.read(PLAYER, "inventory").value as Array<Item>;
			list[4].count = 77;
			s.authority.write(PLAYER, "inventory", list);
			s.authority.write(PLAYER, "coins", 30);
			s.sync.receive(PLAYER, {
				type: "resync",
				v: PROTOCOL_VERSION,
				versions: { settings: 0, nickname: 0, emote: 0, loadout: 0, coins: 0, inventory: 1 },
			});
			const answer = s.last() as SnapshotMessage;
			expect(answer.type).to.equal("snapshot");
			expect(answer.partial).to.equal(true);
			expect(answer.entries.size()).to.equal(2);
			const coins = answer.entries.find((e) => e.key === "coins")!;
			expect(coins.value).to.equal(30);
			const inventory = answer.entries.find((e) => e.key === "inventory")!;
			expect(inventory.base).to.equal(1);
			expect(inventory.version).to.equal(2);
			expect(inventory.value).to.equal(undefined);
			expect(inventory.ops!.size()).to.equal(1);
			// A client holding another version gets the key whole.
			s.sync.receive(PLAYER, { type: "resync", v: PROTOCOL_VERSION, versions: { inventory: 0 } });
			const again = s.last() as SnapshotMessage;
			const whole = again.entries.find((e) => e.key === "inventory")!;
			expect(whole.ops).to.equal(undefined);
			expect((whole.value as Array<Item>)[4].count).to.equal(77);
			// Keys it did not list come whole too; keys at their version not at all.
			expect(again.entries.size()).to.equal(6);
			s.sync.receive(PLAYER, {
				type: "resync",
				v: PROTOCOL_VERSION,
				versions: { settings: 0, nickname: 0, emote: 0, loadout: 0, coins: 1, inventory: 2 },
			});
			expect((s.last() as SnapshotMessage).entries.size()).to.equal(0);
			expect(s.sync.getStats().resyncs).to.equal(3);
		});

		it("leaves the value out of saved when the client holds exactly that version", () => {
			const s = server();
			s.sync.receive(PLAYER, { type: "hello", v: PROTOCOL_VERSION });
			s.authority.write(PLAYER, "inventory", items(100));
			s.sync.markSaved(PLAYER, "inventory");
			const saved = s.last() as SavedMessage;
			expect(saved.type).to.equal("saved");
			expect(saved.version).to.equal(1);
			expect(saved.value).to.equal(undefined);
			// A player it never heard from gets the value.
			const stranger = { Name: "S", UserId: 9 } as unknown as Player;
			s.authority.write(stranger, "coins", 3);
			s.sync.markSaved(stranger, "coins");
			expect((s.last() as SavedMessage).value).to.equal(3);
		});

		it("keeps a client's 500-entry key equal to the server's through 50 random patched changes, removals included", () => {
			const loop = new Loopback();
			loop.authority.write(loop.player, "inventory", items(500));
			loop.connect();
			const rng = new Random(77);
			for (let i = 0; i < 50; i++) {
				const list = loop.authority.read(loop.player, "inventory").value as Array<Item>;
				list[rng.NextInteger(0, 449)].count = rng.NextInteger(0, 1000);
				// Fields and items come and go too, so a patch has removals to carry.
				const marked = list[rng.NextInteger(0, 449)] as Item & { bonus?: number };
				if (i % 3 === 0) marked.bonus = i;
				if (i % 4 === 0) for (const entry of list as Array<Item & { bonus?: number }>) entry.bonus = undefined;
				if (i % 10 === 9) list.push({ id: `new_${i}`, count: 1 });
				if (i % 7 === 3) list.pop();
				loop.authority.write(loop.player, "inventory", list);
				loop.deliver();
			}
			const patches = loop.sentByServer.filter((m) => m.type === "patch").size();
			expect(patches).to.equal(50);
			const server = loop.authority.read(loop.player, "inventory");
			expect(HttpService.JSONEncode(loop.client.GetState("inventory"))).to.equal(
				HttpService.JSONEncode(server.value),
			);
			expect(loop.client.GetLevel("inventory").version).to.equal(server.version);
			expect(loop.sentByClient.filter((m) => m.type === "resync").size()).to.equal(0);
		});

		it("tells listeners of a patched key the whole new value and the old one", () => {
			const loop = new Loopback();
			loop.authority.write(loop.player, "inventory", items(200));
			loop.connect();
			const heard = listen(loop.client, "inventory");
			const list = loop.authority.read(loop.player, "inventory").value as Array<Item>;
			list[0].count = 500;
			loop.authority.write(loop.player, "inventory", list);
			loop.deliver();
			expect(loop.sentByServer[loop.sentByServer.size() - 1].type).to.equal("patch");
			expect(heard.size()).to.equal(1);
			expect(heard[0].changeType).to.equal("server");
			expect((heard[0].value as Array<Item>)[0].count).to.equal(500);
			expect((heard[0].old as Array<Item>)[0].count).to.equal(1);
			expect((heard[0].value as Array<Item>).size()).to.equal(200);
		});

		it("never applies a patch to another version: it asks for a resync and takes the key from the answer", () => {
			const loop = new Loopback();
			loop.authority.write(loop.player, "inventory", items(300));
			loop.connect();
			// The first patch is lost: the second one is made against a version this client never got.
			let lost = 0;
			loop.dropToClient = (m) => m.type === "patch" && lost++ < 1;
			const list = loop.authority.read(loop.player, "inventory").value as Array<Item>;
			list[0].count = 100;
			loop.authority.write(loop.player, "inventory", list);
			loop.deliver();
			list[1].count = 200;
			loop.authority.write(loop.player, "inventory", list);
			const heard = listen(loop.client, "inventory");
			loop.deliver();
			// The patch from version 2 met version 1: refused, and a resync went out with the versions held.
			const resyncs = loop.sentByClient.filter((m) => m.type === "resync");
			expect(resyncs.size()).to.equal(1);
			expect((resyncs[0] as { versions: Record<string, number> }).versions.inventory).to.equal(1);
			const answer = loop.sentByServer[loop.sentByServer.size() - 1] as SnapshotMessage;
			expect(answer.partial).to.equal(true);
			expect(answer.entries.size()).to.equal(1);
			expect(answer.entries[0].ops).to.equal(undefined);
			// Applied onto version 1, the patch would have left item 1 at its old count 1.
			const held = loop.client.GetState("inventory") as Array<Item>;
			expect(held[0].count).to.equal(100);
			expect(held[1].count).to.equal(200);
			expect(loop.client.GetLevel("inventory").version).to.equal(3);
			expect(heard.size()).to.equal(1);
			expect((heard[0].value as Array<Item>)[0].count).to.equal(100);
		});

		it("patches the next change against the client's own accepted proposal", () => {
			const loop = new Loopback();
			loop.connect();
			const mine = loop.client.GetState("loadout") as Array<string>;
			mine[2] = "bow";
			loop.client.SetState("loadout", mine, "critical");
			loop.deliver();
			expect(loop.client.GetLevel("loadout").version).to.equal(1);
			const server = loop.authority.read(loop.player, "loadout").value as Array<string>;
			server[7] = "axe";
			loop.authority.write(loop.player, "loadout", server);
			loop.deliver();
			const patch = loop.sentByServer[loop.sentByServer.size() - 1] as PatchMessage;
			expect(patch.type).to.equal("patch");
			expect(patch.base).to.equal(1);
			expect(patch.ops.size()).to.equal(1);
			const held = loop.client.GetState("loadout") as Array<string>;
			expect(held[2]).to.equal("bow");
			expect(held[7]).to.equal("axe");
		});
	});
};
