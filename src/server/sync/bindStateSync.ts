import { Players, ReplicatedStorage } from "@rbxts/services";
import { ServerStateSync, ServerStateSyncOptions } from "./ServerStateSync";

/** Options for {@link bindStateSync}: the sync's options without `send`, and where the remote lives. */
export interface BindStateSyncOptions extends Omit<ServerStateSyncOptions, "send"> {
	/**
	 * The remote to use; default: a RemoteEvent named `name` under `parent`, created if missing. An
	 * UnreliableRemoteEvent works too (messages may be lost or reordered; the client retries its proposals
	 * and resyncs what it missed), for payloads under 900 bytes.
	 */
	readonly remote?: RemoteEvent | UnreliableRemoteEvent;
	/** Default `ReplicatedStorage`. */
	readonly parent?: Instance;
	/** Default `"StateSync"`. */
	readonly name?: string;
	/** Default the Players service. */
	readonly players?: Players;
}

/**
 * The former name of {@link BindStateSyncOptions}.
 * @deprecated use BindStateSyncOptions (the file and its options are named after bindStateSync now).
 */
export type RemoteAdapterOptions = BindStateSyncOptions;

/** What {@link bindStateSync} returns. */
export interface BoundStateSync {
	readonly sync: ServerStateSync;
	readonly remote: RemoteEvent | UnreliableRemoteEvent;
	/** Disconnects the remote and stops the sync (the remote instance stays). */
	destroy(): void;
}

/**
 * Binds a {@link ServerStateSync} to a RemoteEvent: payloads from `OnServerEvent` go to `receive`,
 * messages go out with `FireClient`, and a leaving player's throttles are forgotten. Create it before
 * players join, so their clients find the remote.
 *
 * @example
 * ```ts
 * const authority = new MemoryStateAuthority({ defaults: { coins: 0 } });
 * const { sync } = bindStateSync({ authority, keys });
 * ```
 */
export function bindStateSync(options: BindStateSyncOptions): BoundStateSync {
	const parent = options.parent ?? ReplicatedStorage;
	const name = options.name ?? "StateSync";
	let remote =
		(options.remote as RemoteEvent | undefined) ?? (parent.FindFirstChild(name) as RemoteEvent | undefined);
	if (remote === undefined) {
		remote = new Instance("RemoteEvent");
		remote.Name = name;
		remote.Parent = parent;
	}
	const target = remote;
	const sync = new ServerStateSync({ ...options, send: (player, message) => target.FireClient(player, message) });
	const received = target.OnServerEvent.Connect((player, payload) => sync.receive(player, payload));
	const leaving = (options.players ?? Players).PlayerRemoving.Connect((player) => sync.removePlayer(player));
	return {
		sync,
		remote: target,
		destroy() {
			received.Disconnect();
			leaving.Disconnect();
			sync.destroy();
		},
	};
}
