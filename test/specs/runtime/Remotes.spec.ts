import {
	captureOutput,
	fireServerAs,
	invokeServerAs,
	newServer,
	now,
	ServerHandle,
	ClientHandle,
} from "../harness/World";
import { withFaults } from "../harness/Faults";

type Setup = {
	server: ServerHandle;
	player: Player;
	client: ClientHandle;
	serverRemote: RemoteEvent;
	clientRemote: RemoteEvent;
};

/** A server with one remote of `className` in ReplicatedStorage and one player whose client joined after it. */
function setup(className: "RemoteEvent" | "UnreliableRemoteEvent" = "RemoteEvent", userId = 9001): Setup {
	const server = newServer({ runScripts: false });
	const remote = new Instance(className) as RemoteEvent;
	remote.Name = "Channel";
	remote.Parent = server.game.GetService("ReplicatedStorage");
	const { player, client } = server.addPlayerWithClient({ userId });
	const clientRemote = client.game.GetService("ReplicatedStorage").FindFirstChild("Channel") as RemoteEvent;
	return { server, player, client, serverRemote: remote, clientRemote };
}

/** Sends `args` from the client to the server and returns what the server received. */
function roundTrip(s: Setup, ...args: Array<unknown>): Array<unknown> {
	let received: Array<unknown> | undefined;
	const connection = s.serverRemote.OnServerEvent.Connect((_player, ...got) => (received = got));
	s.client.run(() => s.clientRemote.FireServer(...args));
	task.wait(1);
	connection.Disconnect();
	return received ?? [];
}

export = () => {
	describe("Remotes", () => {
		it("delivers FireServer to OnServerEvent with the sending player, after latency", () => {
			const s = setup();
			let from: Player | undefined;
			let at = -1;
			s.serverRemote.OnServerEvent.Connect((player) => {
				from = player;
				at = now();
			});
			const sentAt = now();
			s.client.run(() => s.clientRemote.FireServer("hi"));
			task.wait(1);
			expect(from).to.equal(s.player);
			expect(at > sentAt).to.equal(true);
			s.server.shutdown();
		});

		it("delivers FireClient to the client's OnClientEvent", () => {
			const s = setup();
			let got: unknown;
			s.client.run(() => s.clientRemote.OnClientEvent.Connect((value: unknown) => (got = value)));
			s.server.run(() => s.serverRemote.FireClient(s.player, { n: 3 }));
			task.wait(1);
			expect((got as { n: number }).n).to.equal(3);
			s.server.shutdown();
		});

		it("turns functions into nil and drops metatables across a remote", () => {
			const s = setup();
			const car = { NumWheels: 4 } as unknown as LuaMetatable<{ Name: string }>;
			const withMeta = setmetatable({ Name: "MyTruck" }, { __index: car as never });
			expect((withMeta as { NumWheels?: number }).NumWheels).to.equal(4);
			const [fn, truck] = roundTrip(s, () => 1, withMeta);
			expect(fn).to.equal(undefined);
			expect((truck as { Name: string }).Name).to.equal("MyTruck");
			expect((truck as { NumWheels?: number }).NumWheels).to.equal(undefined);
			expect(getmetatable(truck as object)).to.equal(undefined);
			s.server.shutdown();
		});

		it("keeps only the array part of a mixed table and cuts a sparse array at the first nil", () => {
			const s = setup();
			const mixed = new Map<unknown, unknown>();
			mixed.set(1, "Sword");
			mixed.set(2, "Bow");
			mixed.set("CharName", "Diva");
			const sparse = new Map<number, string>();
			sparse.set(1, "a");
			sparse.set(2, "b");
			sparse.set(4, "d");
			const [gotMixed, gotSparse] = roundTrip(s, mixed, sparse) as [Map<unknown, unknown>, Map<number, string>];
			expect(gotMixed.get(1)).to.equal("Sword");
			expect(gotMixed.get(2)).to.equal("Bow");
			expect(gotMixed.get("CharName")).to.equal(undefined);
			expect(gotSparse.get(2)).to.equal("b");
			expect(gotSparse.get(4)).to.equal(undefined);
			s.server.shutdown();
		});

		it("turns non-string dictionary keys into strings", () => {
			const s = setup();
			const keyed = new Map<unknown, unknown>();
			keyed.set(true, "yes");
			keyed.set(s.clientRemote, "instance");
			const [got] = roundTrip(s, keyed) as [Map<unknown, unknown>];
			expect(got.get("true")).to.equal("yes");
			expect(got.get("Channel")).to.equal("instance");
			expect(got.get(true)).to.equal(undefined);
			s.server.shutdown();
		});

		it("errors when a cyclic table is fired", () => {
			const s = setup();
			const cyclic: { self?: unknown } = {};
			cyclic.self = cyclic;
			const [ok] = pcall(() => s.client.run(() => s.clientRemote.FireServer(cyclic)));
			expect(ok).to.equal(false);
			s.server.shutdown();
		});

		it("maps a replicated Instance to the receiver's copy and one the receiver cannot see to nil", () => {
			const s = setup();
			const hidden = new Instance("Folder");
			hidden.Parent = s.server.game.GetService("ServerStorage");
			let got: Array<unknown> = [];
			s.client.run(() => s.clientRemote.OnClientEvent.Connect((...args: Array<unknown>) => (got = args)));
			s.server.run(() => s.serverRemote.FireClient(s.player, s.serverRemote, hidden, s.player));
			task.wait(1);
			expect(got[0]).to.equal(s.clientRemote);
			expect(got[1]).to.equal(undefined);
			expect(got[2]).to.equal(s.client.localPlayer);
			s.server.shutdown();
		});

		it("delivers reliable events in the order they were fired", () => {
			withFaults({ remotes: { latency: { min: 0.01, max: 0.5 } } }, () => {
				const s = setup();
				const order: Array<number> = [];
				s.serverRemote.OnServerEvent.Connect((_player, n) => order.push(n as number));
				s.client.run(() => {
					for (let i = 1; i <= 20; i++) {
						s.clientRemote.FireServer(i);
						task.wait(0.02);
					}
				});
				task.wait(2);
				expect(order.size()).to.equal(20);
				for (let i = 0; i < 20; i++) expect(order[i]).to.equal(i + 1);
				s.server.shutdown();
			});
		});

		it("drops unreliable events at the plan's loss rate and never drops reliable ones", () => {
			withFaults({ remotes: { unreliableLossRate: 1 } }, () => {
				const unreliable = setup("UnreliableRemoteEvent");
				let count = 0;
				unreliable.serverRemote.OnServerEvent.Connect(() => (count += 1));
				unreliable.client.run(() => {
					for (let i = 0; i < 10; i++) unreliable.clientRemote.FireServer(i);
				});
				task.wait(1);
				expect(count).to.equal(0);
				unreliable.server.shutdown();
				const reliable = setup("RemoteEvent", 9002);
				let reliableCount = 0;
				reliable.serverRemote.OnServerEvent.Connect(() => (reliableCount += 1));
				reliable.client.run(() => {
					for (let i = 0; i < 10; i++) reliable.clientRemote.FireServer(i);
				});
				task.wait(1);
				expect(reliableCount).to.equal(10);
				reliable.server.shutdown();
			});
		});

		it("drops unreliable payloads over 900 bytes", () => {
			const s = setup("UnreliableRemoteEvent", 9006);
			const got: Array<number> = [];
			s.serverRemote.OnServerEvent.Connect((_player, text) => got.push((text as string).size()));
			const output = captureOutput(() =>
				s.client.run(() => {
					s.clientRemote.FireServer(string.rep("x", 800));
					s.clientRemote.FireServer(string.rep("x", 1000));
				}),
			);
			task.wait(1);
			expect(output.size()).to.equal(1);
			expect(output[0].kind).to.equal("warn");
			expect(got.size()).to.equal(1);
			expect(got[0]).to.equal(800);
			s.server.shutdown();
		});

		it("takes the fault plan's latency to cross", () => {
			withFaults({ remotes: { latency: { min: 0.5, max: 0.5 } } }, () => {
				const s = setup();
				let at = -1;
				s.serverRemote.OnServerEvent.Connect(() => (at = now()));
				const sentAt = now();
				s.client.run(() => s.clientRemote.FireServer());
				task.wait(1);
				expect(math.abs(at - sentAt - 0.5) < 0.05).to.equal(true);
				s.server.shutdown();
			});
		});

		it("returns the server's answer, copied, from InvokeServer", () => {
			const server = newServer({ runScripts: false });
			const remote = new Instance("RemoteFunction");
			remote.Name = "Ask";
			remote.Parent = server.game.GetService("ReplicatedStorage");
			const answer = { value: 42 };
			remote.OnServerInvoke = (player, question) => {
				expect((question as { q: string }).q).to.equal("life");
				return answer;
			};
			const { client } = server.addPlayerWithClient({ userId: 9003 });
			const clientRemote = client.game.GetService("ReplicatedStorage").FindFirstChild("Ask") as RemoteFunction;
			const got = client.run(() => clientRemote.InvokeServer({ q: "life" })) as { value: number };
			expect(got.value).to.equal(42);
			expect(got).never.to.equal(answer);
			server.shutdown();
		});

		it("fails InvokeClient when the client disconnects while being invoked", () => {
			const server = newServer({ runScripts: false });
			const remote = new Instance("RemoteFunction");
			remote.Name = "Slow";
			remote.Parent = server.game.GetService("ReplicatedStorage");
			const { player, client } = server.addPlayerWithClient({ userId: 9005 });
			const clientRemote = client.game.GetService("ReplicatedStorage").FindFirstChild("Slow") as RemoteFunction;
			client.run(() => {
				clientRemote.OnClientInvoke = () => {
					task.wait(5);
					return "late";
				};
			});
			task.delay(1, () => server.removePlayer(player));
			const [ok, err] = pcall(() => server.run(() => remote.InvokeClient(player)));
			expect(ok).to.equal(false);
			expect(tostring(err).find("disconnected", 1, true)[0] !== undefined).to.equal(true);
			server.shutdown();
		});

		it("lets an exploiting client fire any payload the wire can carry, without client code", () => {
			const server = newServer({ runScripts: false });
			const remote = new Instance("RemoteEvent");
			remote.Name = "Buy";
			remote.Parent = server.game.GetService("ReplicatedStorage");
			const player = server.addPlayer({ userId: 9004 });
			let from: Player | undefined;
			let payload: Array<unknown> = [];
			remote.OnServerEvent.Connect((p, ...args) => {
				from = p;
				payload = args;
			});
			fireServerAs(player, remote, { itemId: -1, amount: math.huge }, () => "not a function on arrival", "x");
			task.wait(1);
			expect(from).to.equal(player);
			expect((payload[0] as { amount: number }).amount).to.equal(math.huge);
			expect(payload[1]).to.equal(undefined);
			expect(payload[2]).to.equal("x");
			const fn = new Instance("RemoteFunction");
			fn.Name = "Echo";
			fn.Parent = server.game.GetService("ReplicatedStorage");
			fn.OnServerInvoke = (_p, value) => value;
			expect(invokeServerAs(player, fn, "raw")).to.equal("raw");
			server.shutdown();
		});
	});
};
