import { HttpService } from "@rbxts/services";
import { MemoryStateAuthority } from "server/sync/MemoryStateAuthority";
import { ServerStateSync } from "server/sync/ServerStateSync";
import { KeyRegistry, KeyDefinition } from "shared/protocol/KeyRegistry";
import { ServerMessage } from "shared/protocol/Messages";
import { Bench } from "./harness/Bench";

/** A realistic player state: 20 counters, a 12-field settings table, a 60-item inventory, 10 quests. */
function profile(): Record<string, unknown> {
	const state: Record<string, unknown> = {};
	for (let i = 1; i <= 20; i++) state[`counter${i}`] = i * 137;
	state.coins = 12_500;
	const settings: Record<string, unknown> = {};
	for (let i = 1; i <= 12; i++) settings[`option${i}`] = i % 2 === 0;
	state.settings = settings;
	const inventory = new Array<{ id: string; count: number; rarity: string }>();
	for (let i = 1; i <= 60; i++) inventory.push({ id: `item_${i}`, count: i % 7, rarity: "rare" });
	state.inventory = inventory;
	const quests = new Array<{ name: string; progress: number; done: boolean }>();
	for (let i = 1; i <= 10; i++) quests.push({ name: `quest_${i}`, progress: i * 10, done: i % 3 === 0 });
	state.quests = quests;
	return state;
}

/**
 * Bytes the state sync sends a client per change (the JSON length of the message) against resending the
 * whole state, which is what a sync without per-key messages would send. Counts, not times.
 */
export = (bench: Bench) => {
	const defaults = profile();
	const definitions: Record<string, KeyDefinition> = {};
	for (const [key] of pairs(defaults)) definitions[key as string] = {};
	definitions.settings = { clientWritable: true, validate: (v: unknown) => typeIs(v, "table") };
	const sent = new Array<ServerMessage>();
	const authority = new MemoryStateAuthority({ defaults });
	const sync = new ServerStateSync({
		send: (_player, message) => sent.push(message),
		authority,
		keys: new KeyRegistry(definitions),
		// No flood limit here: the timing below must measure the guard and registry, not the throttle.
		flood: { rate: 1e9, burst: 1e9 },
	});
	const player = { Name: "Bench", UserId: 1 } as unknown as Player;
	const size = (message: unknown) => HttpService.JSONEncode(message).size();

	sync.sendSnapshot(player);
	const whole = size(sent[sent.size() - 1]);
	bench.record("whole state (snapshot message)", whole, "bytes");

	authority.write(player, "coins", 12_600);
	const scalar = size(sent[sent.size() - 1]);
	bench.record("push of one top-level number (coins)", scalar, "bytes");
	bench.ratio("one top-level number change / whole state", scalar, whole, "<= 0.05");

	const settings = authority.read(player, "settings").value as Record<string, unknown>;
	settings.option3 = true;
	authority.write(player, "settings", settings);
	const field = size(sent[sent.size() - 1]);
	bench.record("push of one field inside a 12-field table key (the key is resent whole)", field, "bytes");
	bench.ratio("one field of a table key / whole state", field, whole, "<= 0.1");

	const inventory = authority.read(player, "inventory").value as Array<{ count: number }>;
	inventory[0].count += 1;
	authority.write(player, "inventory", inventory);
	const item = size(sent[sent.size() - 1]);
	bench.record("push of one item count inside the 60-item inventory key", item, "bytes");
	bench.ratio("one inventory item change / whole state", item, whole, "the key's share of the state");

	sync.receive(player, { type: "propose", v: 1, id: 1, key: "settings", value: settings, base: 1 });
	const ack = size(sent[sent.size() - 1]);
	bench.record("ack of a client proposal", ack, "bytes");
	bench.ratio("ack / whole state", ack, whole, "<= 0.05");

	let id = 1;
	const perProposal = bench.time(() => {
		id += 1;
		sync.receive(player, { type: "propose", v: 1, id, key: "coins", value: 1, base: 0 });
	});
	bench.record("server time per refused proposal (server-only key, guard + registry)", perProposal * 1e6, "µs");
	const stats = sync.getStats();
	bench.record("proposals throttled during the timing (must be 0)", stats.rejected.throttled ?? 0, "");
};
