import type * as StateManagerModule from "client/managers/StateManager";
import type * as StateSyncClientModule from "client/managers/startStateSync";
import type * as MemoryStateAuthorityModule from "server/sync/MemoryStateAuthority";
import type * as RemoteAdapterModule from "server/sync/bindStateSync";
import { ClientHandle, newServer, ServerHandle } from "../harness/World";
import { SPEC_DEFAULTS, specKeys } from "./SyncFixture";

/** A server running the sync on a real remote, and helpers to add players whose clients run StateManager. */
export class RemoteWorld {
	readonly server: ServerHandle;
	readonly authority: MemoryStateAuthorityModule.MemoryStateAuthority;
	readonly bound: RemoteAdapterModule.BoundStateSync;

	constructor(
		remoteClass: "RemoteEvent" | "UnreliableRemoteEvent" = "RemoteEvent",
		flood?: { rate: number; burst: number },
	) {
		const server = newServer({ runScripts: false });
		this.server = server;
		const remote = new Instance(remoteClass);
		remote.Name = "StateSync";
		remote.Parent = server.game.GetService("ReplicatedStorage");
		const { MemoryStateAuthority } = server.require<typeof MemoryStateAuthorityModule>(
			"ServerScriptService/TS/sync/MemoryStateAuthority",
		);
		const { bindStateSync } = server.require<typeof RemoteAdapterModule>(
			"ServerScriptService/TS/sync/bindStateSync",
		);
		const authority = new MemoryStateAuthority({ defaults: SPEC_DEFAULTS });
		this.authority = authority;
		this.bound = server.run(() =>
			bindStateSync({ authority, keys: specKeys(), remote: remote as RemoteEvent, flood }),
		);
	}

	/** Adds a player whose client starts StateManager on the remote; returns its handles. */
	join(userId: number): { player: Player; client: ClientHandle; manager: StateManagerModule.StateManager } {
		const { player, client } = this.server.addPlayerWithClient({ userId });
		const { startStateSync } = client.require<typeof StateSyncClientModule>(
			"StarterPlayer/StarterPlayerScripts/TS/managers/startStateSync",
		);
		const manager = client.run(() => startStateSync().manager);
		return { player, client, manager };
	}

	/** The remote the server listens on. */
	remote(): RemoteEvent {
		return this.bound.remote as RemoteEvent;
	}

	stop(): void {
		this.bound.destroy();
		this.server.shutdown();
	}
}
