import { contains, errorOf } from "./errorText";
import { newServer, now, ServerHandle, stopOtherServers } from "../harness/World";
import { withFaults } from "../harness/Faults";

type Message = { Data: unknown; Sent: number };

function messaging(server: ServerHandle) {
	return server.game.GetService("MessagingService");
}

function liveServers(): number {
	let n = 0;
	for (const server of __runtime.World.servers as Array<{ state: string }>) {
		if (server.state === "running" || server.state === "closing") n += 1;
	}
	return n;
}

export = () => {
	describe("MessagingService", () => {
		it("delivers a published message to subscribers on every server as { Data, Sent }", () => {
			const a = newServer({ runScripts: false });
			const b = newServer({ runScripts: false });
			const received: Array<[string, Message]> = [];
			a.run(() => messaging(a).SubscribeAsync("m-basic", (m) => received.push(["a", m as Message])));
			b.run(() => messaging(b).SubscribeAsync("m-basic", (m) => received.push(["b", m as Message])));
			const sentAt = a.run(() => os.time());
			a.run(() => messaging(a).PublishAsync("m-basic", { hello: "world" }));
			task.wait(1);
			expect(received.size()).to.equal(2);
			for (const [, message] of received) {
				expect((message.Data as { hello: string }).hello).to.equal("world");
				expect(math.abs(message.Sent - sentAt) <= 1).to.equal(true);
			}
			a.shutdown();
			b.shutdown();
		});

		it("stamps Sent with the publisher's own clock", () => {
			const skewed = newServer({ runScripts: false, clockSkew: 120 });
			let sent = 0;
			skewed.run(() => messaging(skewed).SubscribeAsync("m-sent", (m) => (sent = (m as Message).Sent)));
			skewed.run(() => messaging(skewed).PublishAsync("m-sent", 1));
			task.wait(1);
			expect(math.abs(sent - os.time() - 120) <= 2).to.equal(true);
			skewed.shutdown();
		});

		it("rejects messages over 1 kB and topics outside 1 to 80 characters", () => {
			const service = game.GetService("MessagingService");
			expect(
				contains(
					errorOf(() => service.PublishAsync("m-size", string.rep("x", 1023))),
					"1 kB",
				),
			).to.equal(true);
			expect(errorOf(() => service.PublishAsync("m-size", string.rep("x", 1022)))).to.equal("<no error>");
			expect(
				contains(
					errorOf(() => service.PublishAsync(string.rep("t", 81), 1)),
					"1-80",
				),
			).to.equal(true);
			expect(
				contains(
					errorOf(() => service.PublishAsync("", 1)),
					"1-80",
				),
			).to.equal(true);
		});

		it("stops delivering to a subscription once it is disconnected", () => {
			const service = game.GetService("MessagingService");
			let count = 0;
			const connection = service.SubscribeAsync("m-disconnect", () => (count += 1));
			service.PublishAsync("m-disconnect", 1);
			task.wait(1);
			expect(count).to.equal(1);
			connection.Disconnect();
			service.PublishAsync("m-disconnect", 2);
			task.wait(1);
			expect(count).to.equal(1);
		});

		it("allows a server 5 + 2 subscriptions per player, and a disconnect frees a slot", () => {
			const server = newServer({ runScripts: false });
			server.addPlayer({ userId: 7001 });
			const connections = server.run(() => {
				const list: Array<RBXScriptConnection> = [];
				for (let i = 0; i < 7; i++) list.push(messaging(server).SubscribeAsync(`m-subs-${i}`, () => {}));
				return list;
			});
			expect(connections.size()).to.equal(7);
			const over = errorOf(() => server.run(() => messaging(server).SubscribeAsync("m-subs-extra", () => {})));
			expect(contains(over, "subscription limit")).to.equal(true);
			connections[0].Disconnect();
			expect(
				errorOf(() => server.run(() => messaging(server).SubscribeAsync("m-subs-extra", () => {}))),
			).to.equal("<no error>");
			server.shutdown();
		});

		it("allows a server to send 150 + 60 messages per player per minute", () => {
			const server = newServer({ runScripts: false });
			server.addPlayer({ userId: 7101 });
			let sent = 0;
			const failure = server.run(() => {
				for (let i = 0; i < 300; i++) {
					const text = errorOf(() => messaging(server).PublishAsync("m-send-limit", i));
					if (text !== "<no error>") return text;
					sent += 1;
				}
				return "<no error>";
			});
			expect(sent).to.equal(210);
			expect(contains(failure, "throttled")).to.equal(true);
			task.wait(61);
			expect(errorOf(() => server.run(() => messaging(server).PublishAsync("m-send-limit", 0)))).to.equal(
				"<no error>",
			);
			server.shutdown();
		});

		it("delivers at most 10 + 20 per server messages per topic per minute", () => {
			stopOtherServers();
			task.wait(61);
			const publisher = newServer({ runScripts: false });
			for (let i = 0; i < 5; i++) publisher.addPlayer({ userId: 7200 + i });
			let received = 0;
			publisher.run(() => messaging(publisher).SubscribeAsync("m-receive-limit", () => (received += 1)));
			const limit = 10 + 20 * liveServers();
			publisher.run(() => {
				for (let i = 0; i < limit + 10; i++) messaging(publisher).PublishAsync("m-receive-limit", i);
			});
			task.wait(2);
			expect(received).to.equal(limit);
			publisher.shutdown();
			task.wait(61);
		});

		it("delivers at most 100 + 50 per server messages per minute across the whole game", () => {
			stopOtherServers();
			task.wait(61);
			const hub = newServer({ runScripts: false });
			for (let i = 0; i < 10; i++) hub.addPlayer({ userId: 7300 + i });
			const servers = liveServers();
			const topicLimit = 10 + 20 * servers;
			const gameLimit = 100 + 50 * servers;
			// Enough topics, each kept within its own limit, that together they pass the game's limit.
			const topicCount = math.ceil(gameLimit / topicLimit) + 1;
			let received = 0;
			const sent = hub.run(() => {
				for (let t = 0; t < topicCount; t++)
					messaging(hub).SubscribeAsync(`m-game-${t}`, () => (received += 1));
				let count = 0;
				for (let t = 0; t < topicCount; t++) {
					for (let i = 0; i < topicLimit; i++) {
						messaging(hub).PublishAsync(`m-game-${t}`, i);
						count += 1;
					}
				}
				return count;
			});
			task.wait(2);
			expect(sent > gameLimit).to.equal(true);
			expect(received).to.equal(gameLimit);
			hub.shutdown();
			// Leave the game's receive budget as it was for the specs that follow.
			task.wait(61);
		});

		it("loses, duplicates and delays deliveries as the fault plan says", () => {
			const service = game.GetService("MessagingService");
			let lost = 0;
			service.SubscribeAsync("m-lost", () => (lost += 1));
			withFaults({ messaging: { lossRate: 1 } }, () => {
				service.PublishAsync("m-lost", 1);
				task.wait(2);
			});
			expect(lost).to.equal(0);
			let copies = 0;
			service.SubscribeAsync("m-dup", () => (copies += 1));
			withFaults({ messaging: { duplicateRate: 1 } }, () => {
				service.PublishAsync("m-dup", 1);
				task.wait(2);
			});
			expect(copies).to.equal(2);
			let arrived = -1;
			service.SubscribeAsync("m-late", () => (arrived = now()));
			withFaults({ messaging: { delay: { min: 5, max: 5 } } }, () => {
				const started = now();
				service.PublishAsync("m-late", 1);
				task.wait(4.5);
				expect(arrived).to.equal(-1);
				task.wait(1);
				expect(arrived - started >= 5).to.equal(true);
			});
		});

		it("delivers nothing to a server that stopped", () => {
			const listener = newServer({ runScripts: false });
			let count = 0;
			listener.run(() => messaging(listener).SubscribeAsync("m-stopped", () => (count += 1)));
			listener.crash();
			game.GetService("MessagingService").PublishAsync("m-stopped", 1);
			task.wait(1);
			expect(count).to.equal(0);
		});
	});
};
