import type { DataService, HealthChange } from "server/services/DataService";
import type { HttpPoster } from "server/services/metrics/bindHealthWebhook";
import { captureOutput, newServer } from "../harness/World";
import { freshWorld, GameData, stopServers } from "./support";

type ServiceModule = typeof import("server/services/DataService");
type WebhookModule = typeof import("server/services/metrics/bindHealthWebhook");

/** A DataService whose budget threshold is crossed at once (minBudget above any budget), and the webhook module. */
function alertingService(): { service: DataService<GameData>; webhook: WebhookModule; run: <R>(fn: () => R) => R } {
	const server = newServer({ runScripts: false, faultImmune: true });
	const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const webhook = server.require<WebhookModule>("ServerScriptService/TS/services/metrics/bindHealthWebhook");
	const service = server.run(
		() => new module.DataService<GameData>({ warnings: false, metrics: { alerts: { minBudget: 100000 } } }),
	);
	return { service, webhook, run: (fn) => server.run(fn) };
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("posts each alert change as JSON to the webhook through HttpService.PostAsync", () => {
		const { service, webhook, run } = alertingService();
		const posts = new Array<{ url: string; body: string; contentType?: Enum.HttpContentType }>();
		const http: HttpPoster = {
			PostAsync(url, body, contentType) {
				task.wait(0.2); // a real post yields
				posts.push({ url, body, contentType });
				return "";
			},
		};
		run(() => webhook.bindHealthWebhook(service, { url: "https://hooks.example.com/alerts", http, server: "s1" }));
		task.wait(2);
		expect(posts.size()).to.equal(1);
		expect(posts[0].url).to.equal("https://hooks.example.com/alerts");
		expect(posts[0].contentType).to.equal(Enum.HttpContentType.ApplicationJson);
		const body = game.GetService("HttpService").JSONDecode(posts[0].body) as HealthChange & {
			content: string;
			text: string;
			server: string;
		};
		expect(body.status).to.equal("degraded");
		expect(body.previous).to.equal("healthy");
		expect(body.score).to.equal(100);
		expect(body.server).to.equal("s1");
		expect(body.reasons.size()).to.equal(1);
		expect(body.content).to.equal(
			`[DataService] server s1: healthy -> degraded (health score 100): ${body.reasons[0]}`,
		);
		expect(body.text).to.equal(body.content);
	});

	it("reports a failed post once and keeps the game running (HttpService with HTTP requests off)", () => {
		const { service, webhook, run } = alertingService();
		const output = captureOutput(() => {
			run(() => webhook.bindHealthWebhook(service, { url: "https://hooks.example.com/alerts" }));
			task.wait(2);
		});
		const warnings = output.filter((o) => o.kind === "warn" && o.message.find("health webhook")[0] !== undefined);
		expect(warnings.size()).to.equal(1);
		expect(warnings[0].message).to.equal(
			"[DataService] health webhook post failed: Http requests are not enabled. Enable via game settings",
		);
		expect(service.GetMetrics().alertsFired).to.equal(1);
	});

	it("stops posting once disconnected, and refuses a url that is not https", () => {
		const { service, webhook, run } = alertingService();
		let posts = 0;
		const connection = run(() =>
			webhook.bindHealthWebhook(service, {
				url: "https://hooks.example.com/alerts",
				http: {
					PostAsync() {
						posts += 1;
						return "";
					},
				},
			}),
		);
		connection.Disconnect();
		task.wait(2);
		expect(posts).to.equal(0);
		expect(() => webhook.bindHealthWebhook(service, { url: "http://plain.example.com" })).to.throw(
			"webhook url must be an https:// string",
		);
	});
};
