import { HttpService } from "@rbxts/services";
import { stripPosition } from "../data/pipeline/noYield";
import type { HealthChange } from "./MetricsTypes";
import type { Signal, SignalConnection } from "./Signal";

/** The HttpService method the webhook uses (inject a fake in tests; the real service by default). */
export interface HttpPoster {
	PostAsync(url: string, data: string, contentType?: Enum.HttpContentType): string;
}

/** Options of {@link bindHealthWebhook}. */
export interface HealthWebhookOptions {
	/** Where to post (a Discord or Slack incoming webhook, or your own endpoint). Keep it in a Secret. */
	readonly url: string;
	/** Default: the real HttpService (Game Settings, Security: "Allow HTTP Requests" must be on). */
	readonly http?: HttpPoster;
	/** Builds the JSON body from a change (default: `{ content, text, status, previous, score, reasons, time, server }`). */
	readonly body?: (change: HealthChange) => object;
	/** Names this server in the message (default: game.JobId, or "studio"). */
	readonly server?: string;
	/** Called with the error message when a post fails (default: a warning). Posts are not retried. */
	readonly onError?: (message: string) => void;
}

/** Something that fires HealthChange: a DataService's HealthChanged. */
interface HealthSource {
	readonly HealthChanged: Signal<HealthChange>;
}

/**
 * Posts each change of a DataService's alert status to a webhook through HttpService: one JSON post per
 * change (a few a day on a healthy game, far under HttpService's 500 requests a minute). The body has
 * `content` (Discord) and `text` (Slack) holding one line, plus the change's fields. A failed post is
 * reported once and never breaks the game: the listener runs in its own thread.
 *
 * @returns the connection; `Disconnect()` stops posting.
 * @example
 * ```ts
 * bindHealthWebhook(dataService, { url: "https://discord.com/api/webhooks/..." });
 * ```
 */
export function bindHealthWebhook(service: HealthSource, options: HealthWebhookOptions): SignalConnection {
	if (!typeIs(options, "table")) error(`[DataService] webhook options must be a table, got ${typeOf(options)}`, 2);
	if (!typeIs(options.url, "string") || options.url.sub(1, 8) !== "https://") {
		error(`[DataService] webhook url must be an https:// string, got ${typeOf(options.url)}`, 2);
	}
	const http = options.http ?? (HttpService as unknown as HttpPoster);
	const server = options.server ?? (game.JobId !== "" ? game.JobId : "studio");
	const report =
		options.onError ?? ((message: string) => warn(`[DataService] health webhook post failed: ${message}`));
	return service.HealthChanged.Connect((change) => {
		const line =
			`[DataService] server ${server}: ${change.previous} -> ${change.status} (health score ${change.score})` +
			(change.reasons.size() > 0 ? `: ${change.reasons.join("; ")}` : "");
		const body = options.body?.(change) ?? {
			content: line,
			text: line,
			status: change.status,
			previous: change.previous,
			score: change.score,
			reasons: change.reasons,
			time: change.time,
			server,
		};
		const [ok, err] = pcall(() =>
			http.PostAsync(options.url, HttpService.JSONEncode(body), Enum.HttpContentType.ApplicationJson),
		);
		if (!ok) report(stripPosition(tostring(err)));
	});
}
