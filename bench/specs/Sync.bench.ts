import { HttpService } from "@rbxts/services";
import { MemoryStateAuthority } from "server/sync/MemoryStateAuthority";
import { ServerStateSync } from "server/sync/ServerStateSync";
import { KeyRegistry, KeyDefinition } from "shared/protocol/KeyRegistry";
import { PROTOCOL_VERSION, ServerMessage, SnapshotMessage } from "shared/protocol/Messages";
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

/** A 500-entry inventory: the big key a one-item change must not resend whole. */
function bigInventory(): Array<{ id: string; count: number; rarity: string }> {
	const inventory = new Array<{ id: string; count: number; rarity: string }>();
	for (let i = 1; i <= 500; i++) inventory.push({ id: `item_${i}`, count: i % 7, rarity: "rare" });
	return inventory;
}

/**
 * Bytes the state sync sends a client per change (the JSON length of the message) against resending the
 * whole state, which is what a sync without per-key messages would send, and against resending the whole
 * key, which is what a v1 client still gets (a v2 client gets a path patch when it is smaller). Counts,
 * not times, except the server's cost of a push, timed against the whole-key push in the same run.
 */
export = (bench: Bench) => {
	const defaults = profile();
	defaults.bigInventory = bigInventory();
	const definitions: Record<string, KeyDefinition> = {};
	for (const [key] of pairs(defaults)) definitions[key as string] = {};
	definitions.settings = { clientWritable: true, validate: (v: unknown) => typeIs(v, "table") };
	const sent = new Map<Player, Array<ServerMessage>>();
	const authority = new MemoryStateAuthority({ defaults });
	const sync = new ServerStateSync({
		send: (player, message) => sent.get(player)!.push(message),
		authority,
		keys: new KeyRegistry(definitions),
		// No flood limit here: the timing below must measure the guard and registry, not the throttle.
		flood: { rate: 1e9, burst: 1e9 },
	});
	// Two players with the same state: one runs a v2 client (patches), one a v1 client (whole keys).
	const player = { Name: "Bench", UserId: 1 } as unknown as Player;
	const legacy = { Name: "Legacy", UserId: 2 } as unknown as Player;
	sent.set(player, []);
	sent.set(legacy, []);
	const size = (message: unknown) => HttpService.JSONEncode(message).size();
	const lastTo = (who: Player) => {
		const messages = sent.get(who)!;
		return messages[messages.size() - 1];
	};
	/** Applies `change` to the key's value for both players; returns [v2 message bytes, v1 message bytes]. */
	const change = (key: string, edit: (value: unknown) => unknown): [number, number, string] => {
		for (const who of [player, legacy]) authority.write(who, key, edit(authority.read(who, key).value));
		return [size(lastTo(player)), size(lastTo(legacy)), lastTo(player).type];
	};

	sync.receive(player, { type: "hello", v: PROTOCOL_VERSION });
	sync.receive(legacy, { type: "hello", v: 1 });
	const snapshot = lastTo(player) as SnapshotMessage;
	const bigEntry = snapshot.entries.find((e) => e.key === "bigInventory")!;
	// The realistic state is the snapshot without the 500-entry key added for the last figures.
	const whole = size(snapshot) - size(bigEntry) - 1;
	bench.record("whole state (snapshot message, without the 500-entry key)", whole, "bytes");

	const [scalar] = change("coins", () => 12_600);
	bench.record("push of one top-level number (coins)", scalar, "bytes");
	bench.ratio("one top-level number change / whole state", scalar, whole, "<= 0.05");

	const [field, fieldWhole, fieldKind] = change("settings", (value) => {
		(value as Record<string, unknown>).option3 = true;
		return value;
	});
	bench.record(`one field inside a 12-field table key (v2: ${fieldKind})`, field, "bytes");
	bench.record("the same change as a whole-key push (v1 client)", fieldWhole, "bytes");
	bench.ratio("one field of a table key / whole state", field, whole, "<= 0.1");

	const [item, itemWhole, itemKind] = change("inventory", (value) => {
		(value as Array<{ count: number }>)[0].count += 1;
		return value;
	});
	bench.record(`one item count inside the 60-item inventory key (v2: ${itemKind})`, item, "bytes");
	bench.record("the same change as a whole-key push (v1 client)", itemWhole, "bytes");
	bench.ratio("60-item inventory: patch / whole-key push", item, itemWhole, "< 0.1");
	bench.ratio("one inventory item change / whole state", item, whole, "<= 0.05");

	const [big, bigWhole, bigKind] = change("bigInventory", (value) => {
		(value as Array<{ count: number }>)[249].count += 1;
		return value;
	});
	bench.record(`one item count inside the 500-entry inventory key (v2: ${bigKind})`, big, "bytes");
	bench.record("the same change as a whole-key push (v1 client)", bigWhole, "bytes");
	bench.ratio("500-entry inventory: patch / whole-key push", big, bigWhole, "< 0.01");

	let n = 0;
	const bump = (who: Player) => () => {
		n += 1;
		const value = authority.read(who, "bigInventory").value as Array<{ count: number }>;
		value[n % 500].count += 1;
		authority.write(who, "bigInventory", value);
	};
	const patchTime = bench.time(bump(player));
	const wholeTime = bench.time(bump(legacy));
	bench.record("server time per write + push of the 500-entry key, patched", patchTime * 1e6, "µs");
	bench.record("server time per write + push of the 500-entry key, whole", wholeTime * 1e6, "µs");
	bench.ratio("server time: patched / whole push (the diff's cost)", patchTime, wholeTime, "informational");

	sync.receive(player, {
		type: "propose",
		v: PROTOCOL_VERSION,
		id: 1,
		key: "settings",
		value: authority.read(player, "settings").value,
		base: 1,
	});
	const ack = size(lastTo(player));
	bench.record("ack of a client proposal", ack, "bytes");
	bench.ratio("ack / whole state", ack, whole, "<= 0.05");

	let id = 1;
	const perProposal = bench.time(() => {
		id += 1;
		sync.receive(player, { type: "propose", v: PROTOCOL_VERSION, id, key: "coins", value: 1, base: 0 });
	});
	bench.record("server time per refused proposal (server-only key, guard + registry)", perProposal * 1e6, "µs");
	const stats = sync.getStats();
	bench.record("proposals throttled during the timing (must be 0)", stats.rejected.throttled ?? 0, "");
};
