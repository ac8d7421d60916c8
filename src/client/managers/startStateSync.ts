import { ReplicatedStorage, RunService } from "@rbxts/services";
import { StateManager, StateManagerOptions } from "./StateManager";

/** Options for {@link startStateSync}: the manager's options without `send`, and where the remote is. */
export interface StateSyncClientOptions extends Omit<StateManagerOptions, "send"> {
	/** The remote (a RemoteEvent or UnreliableRemoteEvent); default: `name` under `parent`, waited for. */
	readonly remote?: RemoteEvent | UnreliableRemoteEvent;
	/** Default `ReplicatedStorage`. */
	readonly parent?: Instance;
	/** Default `"StateSync"`. */
	readonly name?: string;
}

/** What {@link startStateSync} returns. */
export interface StateSyncClient<S extends object = Record<string, unknown>> {
	readonly manager: StateManager<S>;
	/** Stops listening and updating. */
	destroy(): void;
}

/**
 * Binds a {@link StateManager} to the server's state-sync RemoteEvent: messages go out with
 * `FireServer`, come in through `OnClientEvent`, the manager updates every Heartbeat, and a snapshot is
 * asked for at once. From then on the client notices lost messages by itself (a skipped sequence number,
 * or a silence its ping reveals) and resyncs on the Heartbeat, with backoff; nothing needs calling after
 * a reconnect. Client only: `FireServer` does not work on the server.
 *
 * @example
 * ```ts
 * const { manager: stateManager } = startStateSync();
 * stateManager.SetState("settings", { music: false }, STATE_PRIORITIES.HIGH);
 * ```
 * @typeParam S - the state keys and their types, so GetState and SetState are typed per key.
 */
export function startStateSync<S extends object = Record<string, unknown>>(
	options: StateSyncClientOptions = {},
): StateSyncClient<S> {
	if (!RunService.IsClient()) error("[StateManager] startStateSync runs on the client (it fires the server)", 2);
	// Both remote classes share FireServer/OnClientEvent; one cast keeps the calls monomorphic.
	const remote = (options.remote ??
		(options.parent ?? ReplicatedStorage).WaitForChild(options.name ?? "StateSync")) as RemoteEvent;
	const manager = new StateManager<S>({ ...options, send: (message) => remote.FireServer(message) });
	const received = remote.OnClientEvent.Connect((message: unknown) => manager.Receive(message));
	const stepping = RunService.Heartbeat.Connect(() => manager.Update());
	manager.Connect();
	return {
		manager,
		destroy() {
			received.Disconnect();
			stepping.Disconnect();
		},
	};
}
