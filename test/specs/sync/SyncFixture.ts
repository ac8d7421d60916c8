import type * as StateManagerModule from "client/managers/StateManager";
import type * as StatePriorityModule from "client/managers/StatePriority";
import { MemoryStateAuthority } from "server/sync/MemoryStateAuthority";
import { ServerStateSync } from "server/sync/ServerStateSync";
import { DataValidator } from "shared/core/DataValidator";
import { KeyRegistry } from "shared/protocol/KeyRegistry";
import { ClientMessage, PROTOCOL_VERSION, ServerMessage } from "shared/protocol/Messages";

type StateManager = StateManagerModule.StateManager;

/**
 * Requires a module of the client tree (StarterPlayerScripts/TS): roblox-ts forbids importing that
 * isolated container from server code, but the modules run anywhere, so specs load them at run time.
 */
export function requireClient<T>(path: string): T {
	let node: Instance = game.GetService("StarterPlayer").WaitForChild("StarterPlayerScripts").WaitForChild("TS");
	for (const part of path.split("/")) node = node.WaitForChild(part);
	return require(node as ModuleScript) as T;
}

const { StateManager } = requireClient<typeof StateManagerModule>("managers/StateManager");

/** STATE_PRIORITIES, from the client tree. */
export const STATE_PRIORITIES = requireClient<typeof StatePriorityModule>("managers/StatePriority").STATE_PRIORITIES;

/**
 * The keys every sync spec uses: four client-writable keys with validators (one last-writer-wins, one a
 * 20-slot table big enough to be patched), two server-only keys.
 */
export function specKeys(): KeyRegistry {
	return new KeyRegistry({
		settings: {
			clientWritable: true,
			validate: new DataValidator().compile({
				type: "object",
				properties: { music: { type: "boolean" }, volume: { type: "number", minimum: 0, maximum: 1 } },
				additionalProperties: false,
			}),
			rateLimit: { rate: 5, burst: 10 },
		},
		nickname: { clientWritable: true, validate: (v: unknown) => typeIs(v, "string") && v.size() <= 20 },
		emote: { clientWritable: true, validate: (v: unknown) => typeIs(v, "string"), conflict: "client_wins" },
		loadout: {
			clientWritable: true,
			validate: (v: unknown) => {
				if (!typeIs(v, "table") || (v as Array<unknown>).size() > 20) return false;
				for (const [, slot] of pairs(v)) if (!typeIs(slot, "string")) return false;
				return true;
			},
		},
		coins: {},
		inventory: {},
	});
}

/** Default values of the spec keys. */
export const SPEC_DEFAULTS = {
	settings: { music: true, volume: 0.5 },
	nickname: "anon",
	emote: "wave",
	coins: 0,
	inventory: ["sword"],
	loadout: ["sword", "shield", "none", "none", "none", "none", "none", "none", "none", "none"],
};

/**
 * A client StateManager and a ServerStateSync wired directly to each other through two message queues, on
 * a manual clock: specs decide when messages are delivered and which are lost.
 */
export class Loopback {
	time = 0;
	readonly player = { Name: "LoopbackPlayer", UserId: 1 } as unknown as Player;
	readonly authority = new MemoryStateAuthority({ defaults: SPEC_DEFAULTS });
	readonly keys = specKeys();
	readonly toServer = new Array<ClientMessage>();
	readonly toClient = new Array<ServerMessage>();
	/** Messages the server got (before any were dropped) and sent. */
	readonly sentByClient = new Array<ClientMessage>();
	readonly sentByServer = new Array<ServerMessage>();
	/** Return true to lose the message. */
	dropToServer: (message: ClientMessage) => boolean = () => false;
	dropToClient: (message: ServerMessage) => boolean = () => false;
	readonly server: ServerStateSync;
	client: StateManager;

	constructor(flood?: { rate: number; burst: number }) {
		this.server = new ServerStateSync({
			send: (_player, message) => {
				this.sentByServer.push(message);
				if (!this.dropToClient(message)) this.toClient.push(message);
			},
			authority: this.authority,
			keys: this.keys,
			flood,
			now: () => this.time,
		});
		this.client = this.newClient();
	}

	/** A new client (a reconnect): the old one stops receiving. */
	newClient(): StateManager {
		this.client = new StateManager({
			send: (message) => {
				this.sentByClient.push(message);
				if (!this.dropToServer(message)) this.toServer.push(message);
			},
			now: () => this.time,
		});
		return this.client;
	}

	/** Delivers every queued message both ways until none are left. */
	deliver(): void {
		for (let round = 0; round < 100 && (this.toServer.size() > 0 || this.toClient.size() > 0); round++) {
			const up = [...this.toServer];
			this.toServer.clear();
			for (const message of up) this.server.receive(this.player, message);
			const down = [...this.toClient];
			this.toClient.clear();
			for (const message of down) this.client.receive(message);
		}
	}

	/** Advances the clock by `seconds`, lets the client update, then delivers. */
	step(seconds: number): void {
		this.time += seconds;
		this.client.update();
		this.deliver();
	}

	/** Connects the client (hello → snapshot) and delivers. */
	connect(): void {
		this.client.connect();
		this.deliver();
	}
}

/** A recorded listener call. */
export type Heard = { value: unknown; old: unknown; changeType: string; reason?: string; level: string };

/** Records every change of `key` on `manager`. */
export function listen(manager: StateManager, key: string): Array<Heard> {
	const heard = new Array<Heard>();
	manager.AddChangeListener(key, (value, old, changeType, info) =>
		heard.push({ value, old, changeType, reason: info.reason, level: info.level }),
	);
	return heard;
}

/**
 * A well-formed proposal of "nickname" with `fields` put over it and the field `drop` taken out: the
 * starting point of every malformed payload the guard and exploit specs make.
 */
export function proposal(fields: Record<string, unknown>, drop?: string): Record<string, unknown> {
	const message: Record<string, unknown> = {
		type: "propose",
		v: PROTOCOL_VERSION,
		id: 1,
		key: "nickname",
		value: "x",
		base: 0,
	};
	for (const [k, v] of pairs(fields)) message[k as string] = v;
	if (drop !== undefined) delete message[drop];
	return message;
}
