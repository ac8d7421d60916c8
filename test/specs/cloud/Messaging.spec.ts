import { contains, errorOf } from "./errorText";
import { newServer, now, ServerHandle, stopOtherServers } from "../harness/World";
import { withFaults } from "../harness/Faults";

type Message = { Data: unknown; Sent: number };

/** Long enough for any delivery without a fault plan: 1-2 s (DEFAULT_DELAY) after a round trip of at most 0.05 s. */
const DELIVERY = 2.1;

function messaging(server: ServerHandle) {
	return server.game.GetService("MessagingService");
}

/** Makes `call(i)` inside `server` until it throws or `attempts` ran: (calls that succeeded, the error text). */
function callsUntilRefused(server: ServerHandle, attempts: number, call: (i: number) => void): [number, string] {
	let succeeded = 0;
	const failure = server.run(() => {
		for (let i = 0; i < attempts; i++) {
			const text = errorOf(() => call(i));
			if (text !== "<no error>") return text;
			succeeded += 1;
		}
		return "<no error>";
	}) as string;
	return [succeeded, failure];
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
			task.wait(DELIVERY);
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
			const publishedAt = os.time();
			skewed.run(() => messaging(skewed).PublishAsync("m-sent", 1));
			task.wait(DELIVERY);
			// Compared with the moment of the publish: the delivery itself takes 1-2 s.
			expect(math.abs(sent - publishedAt - 120) <= 1).to.equal(true);
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
			task.wait(DELIVERY);
			expect(count).to.equal(1);
			connection.Disconnect();
			service.PublishAsync("m-disconnect", 2);
			task.wait(DELIVERY);
			expect(count).to.equal(1);
		});

		it("allows a server 20 + 8 subscriptions per player, and a disconnect frees a slot (reference/engine/classes/MessagingService)", () => {
			const server = newServer({ runScripts: false });
			server.addPlayer({ userId: 7001 });
			const connections = server.run(() => {
				const list: Array<RBXScriptConnection> = [];
				for (let i = 0; i < 28; i++) list.push(messaging(server).SubscribeAsync(`m-subs-${i}`, () => {}));
				return list;
			});
			expect(connections.size()).to.equal(28);
			const over = errorOf(() => server.run(() => messaging(server).SubscribeAsync("m-subs-extra", () => {})));
			expect(contains(over, "subscription limit")).to.equal(true);
			connections[0].Disconnect();
			expect(
				errorOf(() => server.run(() => messaging(server).SubscribeAsync("m-subs-extra", () => {}))),
			).to.equal("<no error>");
			server.shutdown();
		});

		it("allows a server to send 600 + 240 messages per player per minute (reference/engine/classes/MessagingService)", () => {
			const server = newServer({ runScripts: false });
			server.addPlayer({ userId: 7101 });
			const [sent, failure] = callsUntilRefused(server, 1000, (i) =>
				messaging(server).PublishAsync("m-send-limit", i),
			);
			expect(sent).to.equal(840);
			expect(contains(failure, "throttled")).to.equal(true);
			task.wait(61);
			expect(errorOf(() => server.run(() => messaging(server).PublishAsync("m-send-limit", 0)))).to.equal(
				"<no error>",
			);
			server.shutdown();
		});

		it("delivers at most 40 + 80 per server messages per topic per minute (reference/engine/classes/MessagingService)", () => {
			stopOtherServers();
			task.wait(61);
			const publisher = newServer({ runScripts: false });
			for (let i = 0; i < 5; i++) publisher.addPlayer({ userId: 7200 + i });
			let received = 0;
			publisher.run(() => messaging(publisher).SubscribeAsync("m-receive-limit", () => (received += 1)));
			const limit = 40 + 80 * liveServers();
			publisher.run(() => {
				for (let i = 0; i < limit + 10; i++) messaging(publisher).PublishAsync("m-receive-limit", i);
			});
			task.wait(DELIVERY);
			expect(received).to.equal(limit);
			publisher.shutdown();
			task.wait(61);
		});

		it("delivers at most 400 + 200 per server messages per minute across the whole game (reference/engine/classes/MessagingService)", () => {
			stopOtherServers();
			task.wait(61);
			const hub = newServer({ runScripts: false });
			for (let i = 0; i < 10; i++) hub.addPlayer({ userId: 7300 + i });
			const servers = liveServers();
			const topicLimit = 40 + 80 * servers;
			const gameLimit = 400 + 200 * servers;
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
			task.wait(DELIVERY);
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
				task.wait(DELIVERY);
			});
			expect(lost).to.equal(0);
			let copies = 0;
			service.SubscribeAsync("m-dup", () => (copies += 1));
			withFaults({ messaging: { duplicateRate: 1 } }, () => {
				service.PublishAsync("m-dup", 1);
				task.wait(2 * DELIVERY);
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
			task.wait(DELIVERY);
			expect(count).to.equal(0);
		});

		it("delivers typically within 1-2 seconds: every delivery between 1 and 2 s after the publish (reference/engine/classes/MessagingService)", () => {
			const service = game.GetService("MessagingService");
			const delays = new Array<number>();
			const starts = new Map<number, number>();
			service.SubscribeAsync("m-latency", (m) => {
				const id = (m as Message).Data as number;
				delays.push(now() - (starts.get(id) ?? 0));
			});
			for (let i = 0; i < 40; i++) {
				starts.set(i, now());
				service.PublishAsync("m-latency", i);
				task.wait(0.05);
			}
			task.wait(DELIVERY);
			expect(delays.size()).to.equal(40);
			let sum = 0;
			for (const delay of delays) {
				expect(delay >= 1).to.equal(true);
				expect(delay <= DELIVERY).to.equal(true);
				sum += delay;
			}
			// Spread over the whole second, not a constant: the mean of 40 uniform draws is near 1.5 s.
			expect(math.abs(sum / delays.size() - 1.55) < 0.25).to.equal(true);
		});

		it("allows a server 240 subscribe requests per minute (reference/engine/classes/MessagingService)", () => {
			const server = newServer({ runScripts: false });
			for (let i = 0; i < 40; i++) server.addPlayer({ userId: 7400 + i });
			const [made, failure] = callsUntilRefused(server, 300, (i) =>
				messaging(server)
					.SubscribeAsync(`m-requests-${i % 10}`, () => {})
					.Disconnect(),
			);
			expect(made).to.equal(240);
			expect(contains(failure, "subscribe requests")).to.equal(true);
			task.wait(61);
			expect(
				errorOf(() => server.run(() => messaging(server).SubscribeAsync("m-requests-again", () => {}))),
			).to.equal("<no error>");
			server.shutdown();
		});
	});
};
