/**
 * npm start: a simulated game session on the headless runtime. Several servers each run a DataService;
 * players join, earn, buy (durable), trade relics for coins (with players of the same server, and through
 * trade offers with players anywhere), send gifts, teleport and leave over virtual
 * time, with injected DataStore errors, one server crash and a short DataStore outage. At the end every
 * player is loaded once more (claiming what is in flight) and the stored data is judged: every relic
 * exists exactly once, no player holds more coins than it could have earned, every acknowledged purchase
 * is saved.
 */
import type { DataService, DataServiceStatistics, HealthChange, HealthStatus } from "server/services/DataService";
import { resetCloud, storedValue } from "../specs/harness/Cloud";
import { configureFaults } from "../specs/harness/Faults";
import { newServer, now, ServerHandle } from "../specs/harness/World";
import { restoreDrill } from "./RestoreDrill";

type ServiceModule = typeof import("server/services/DataService");
type BackupModule = typeof import("shared/core/BackupManager");
type LayerModule = typeof import("shared/core/DataAccessLayer");
type HistogramModule = typeof import("server/services/metrics/LatencyHistogram");

/** Seconds per metrics sample in the session (a 4-minute session gives 24 points per chart). */
const METRICS_INTERVAL = 10;
/** Seconds between automatic backups in the session (the default 300 would never run in 4 minutes). */
const BACKUP_INTERVAL = 60;
type Data = { coins: number; gems: number; level: number; inventory: Record<string, number> };

/** Options from the command line; every one has a default. */
interface SimOptions {
	servers?: number;
	players?: number;
	minutes?: number;
	seed?: number;
	errorRate?: number;
}

interface Node {
	readonly server: ServerHandle;
	readonly service: DataService<Data>;
	alive: boolean;
}

interface PlayerState {
	readonly id: number;
	/** Server index, or undefined while offline / moving. */
	at?: number;
	/** Server index a join is in flight to. */
	joining?: number;
	/** The Player instance on its current server (budgets grow with players). */
	player?: Player;
	busy: boolean;
	op?: string;
	/** Coins this player was ever offered (earnings and gifts received cannot exceed it in total). */
	earned: number;
	/** Gems of purchases the service acknowledged (durable). */
	ackedGems: number;
	/** Gems of every purchase attempted. */
	triedGems: number;
	/** Why the player's next join is a handoff: it left another server (teleport) or that server crashed. */
	arriving?: "teleport" | "after crash";
}

/** One measured join: from the player entering a server until its profile was loaded there. */
interface Handoff {
	readonly kind: "first join" | "teleport" | "after crash";
	readonly seconds: number;
}

/** One line of a verdict table. */
interface Check {
	readonly name: string;
	readonly ok: boolean;
	readonly detail: string;
}

function progress(message: string): void {
	print(`[sim ${string.format("%6.1f", now())} s] ${message}`);
}

export = (options: SimOptions) => {
	const serverCount = math.max(2, options.servers ?? 3);
	const playerCount = math.max(2, options.players ?? 18);
	const minutes = options.minutes ?? 4;
	const seed = options.seed ?? 1;
	const errorRate = options.errorRate ?? 0.03;
	const rng = new Random(seed);
	const duration = minutes * 60;
	const start = now();

	resetCloud();
	configureFaults({
		seed,
		dataStore: {
			errorRate: { "*": errorRate },
			errorCodes: [301, 302, 304, 500, 502, 503],
			latency: { min: 0.02, max: 0.2, tailRate: 0.02, tailMax: 2 },
			outages: [{ start: start + duration * 0.7, stop: start + duration * 0.7 + 8 }],
		},
		messaging: { lossRate: 0.05, delay: { min: 0.05, max: 0.5 } },
	});
	progress(
		`${serverCount} servers, ${playerCount} players, ${minutes} min, seed ${seed}, DataStore error rate ${errorRate}, ` +
			`a crash at ${math.floor(duration * 0.5)} s, an 8 s outage at ${math.floor(duration * 0.7)} s`,
	);

	const nodes = new Array<Node>();
	const alerts = new Array<HealthChange & { server: number }>();
	const makeNode = (): Node => {
		const server = newServer({ runScripts: false, faultImmune: true });
		const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
		const backupModule = server.require<BackupModule>("ReplicatedStorage/TS/core/BackupManager");
		const layerModule = server.require<LayerModule>("ReplicatedStorage/TS/core/DataAccessLayer");
		const service = server.run(() => {
			const dal = new layerModule.DataAccessLayer({ warnings: false });
			const backupManager = new backupModule.BackupManager({
				dataAccessLayer: dal,
				interval: BACKUP_INTERVAL,
				warnings: false,
			});
			return new module.DataService<Data>(
				{ warnings: false, enableBackups: true, metrics: { interval: METRICS_INTERVAL } },
				{ dataAccessLayer: dal, backupManager },
			);
		});
		const index = nodes.size() + 1;
		service.HealthChanged.Connect((change) => alerts.push({ ...change, server: index }));
		return { server, service, alive: true };
	};
	for (let i = 0; i < serverCount; i++) nodes.push(makeNode());
	task.wait(0.5);

	// Metrics carry Unix seconds; the session's own clock is the scheduler's: this maps one to the other.
	const unixOffset = DateTime.now().UnixTimestampMillis / 1000 - now();
	const sessionStart = start + unixOffset;
	const players = new Array<PlayerState>();
	const handoffs = new Array<Handoff>();
	const relics = new Array<string>();
	let failures = 0;
	const join = (p: PlayerState, wanted: number) => {
		// A server that crashed meanwhile takes nobody: go to a live one.
		const index = nodes[wanted].alive ? wanted : nodes.findIndex((n) => n.alive);
		const node = nodes[index];
		p.busy = true;
		p.op = `join at ${now()}`;
		p.joining = index;
		p.player = node.server.addPlayer({ userId: p.id });
		const joinedAt = now();
		const kind = p.arriving ?? "first join";
		p.arriving = undefined;
		node.server.spawn(() => {
			const [ok] = node.service.LoadPlayerData(p.id).await();
			p.joining = undefined;
			if (ok) {
				p.at = index;
				handoffs.push({ kind, seconds: now() - joinedAt });
			} else failures += 1;
			p.busy = false;
		});
	};
	for (let i = 0; i < playerCount; i++) {
		const p: PlayerState = { id: 10_000 + i, busy: false, earned: 0, ackedGems: 0, triedGems: 0 };
		players.push(p);
		join(p, i % serverCount);
	}
	task.wait(10);
	// Each player is minted one relic, saved before play starts.
	for (const p of players) {
		if (p.at === undefined) continue;
		const node = nodes[p.at];
		const relic = `relic${p.id}`;
		const [ok] = node.service.IncrementPlayerData(p.id, { [`inventory.${relic}`]: 1 }, { durable: true }).await();
		if (ok) relics.push(relic);
	}
	progress(`${players.filter((p) => p.at !== undefined).size()} players loaded, ${relics.size()} relics minted`);

	let trades = 0;
	let gifts = 0;
	let offers = 0;
	let offersCompleted = 0;
	let purchases = 0;
	let teleports = 0;
	let crashed = false;
	let crashedAt: number | undefined;
	let lastReport = now();
	const tick = 2;
	while (now() - start < duration) {
		task.wait(tick);
		if (!crashed && now() - start >= duration * 0.5) {
			crashed = true;
			crashedAt = now();
			const victim = nodes[0];
			victim.alive = false;
			victim.server.crash();
			progress(
				`server 1 crashed with ${players.filter((p) => p.at === 0).size()} players; they rejoin elsewhere`,
			);
			for (const p of players) {
				if (p.at === 0 || p.joining === 0) {
					p.arriving = "after crash";
					p.joining = undefined;
					p.at = undefined;
					p.busy = false;
					const target = 1 + rng.NextInteger(0, serverCount - 2);
					task.delay(rng.NextNumber(1, 5), () => join(p, target));
				}
			}
		}
		for (const p of players) {
			if (p.busy || p.at === undefined) continue;
			const index = p.at;
			const node = nodes[index];
			const roll = rng.NextNumber();
			p.busy = true;
			p.op = `roll ${roll} at ${now()}`;
			if (roll < 0.55) {
				const amount = rng.NextInteger(1, 20);
				p.earned += amount;
				node.server.spawn(() => {
					// Atomic under the player's lock: a gift or trade landing meanwhile is kept.
					node.service.UpdatePlayerData(p.id, (data) => ({ coins: data.coins + amount })).await();
					p.busy = false;
				});
			} else if (roll < 0.62) {
				const gems = rng.NextInteger(10, 100);
				p.triedGems += gems;
				node.server.spawn(() => {
					const [ok] = node.service
						.IncrementPlayerData(p.id, { gems }, { source: "purchase", durable: true })
						.await();
					if (ok) {
						p.ackedGems += gems;
						purchases += 1;
					}
					p.busy = false;
				});
			} else if (roll < 0.68) {
				const partners = players.filter((q) => q !== p && q.at === index && !q.busy);
				const partner = partners.size() > 0 ? partners[rng.NextInteger(0, partners.size() - 1)] : undefined;
				if (partner === undefined) {
					p.busy = false;
					continue;
				}
				partner.busy = true;
				partner.op = `partner of ${p.id} at ${now()}`;
				node.server.spawn(() => {
					// p buys any relic partner holds for 15 coins.
					const [ok] = node.service
						.Trade(p.id, partner.id, (a, b) => {
							let relic: string | undefined;
							for (const [name, count] of pairs(b.inventory)) if (count > 0) relic = name;
							if (relic === undefined || a.coins < 15) return undefined;
							const aInv = { ...a.inventory, [relic]: (a.inventory[relic] ?? 0) + 1 };
							const bInv = { ...b.inventory };
							bInv[relic] -= 1;
							if (bInv[relic] === 0) delete bInv[relic];
							return [
								{ ...a, coins: a.coins - 15, inventory: aInv },
								{ ...b, coins: b.coins + 15, inventory: bInv },
							];
						})
						.await();
					if (ok) trades += 1;
					p.busy = false;
					partner.busy = false;
				});
			} else if (roll < 0.72) {
				const recipient = players[rng.NextInteger(0, players.size() - 1)];
				if (recipient === p) {
					p.busy = false;
					continue;
				}
				node.server.spawn(() => {
					const current = node.service.GetPlayerData(p.id);
					if (current !== undefined && current.coins >= 5) {
						const [ok] = node.service.SendGift(p.id, recipient.id, { coins: 5 }).await();
						if (ok) gifts += 1;
					}
					p.busy = false;
				});
			} else if (roll < 0.75) {
				// p offers one of its relics to any player (another server, or offline) for 10 coins.
				const recipient = players[rng.NextInteger(0, players.size() - 1)];
				const current = node.service.GetPlayerData(p.id);
				let relic: string | undefined;
				if (current !== undefined)
					for (const [name, count] of pairs(current.inventory)) if (count > 0) relic = name;
				if (recipient === p || relic === undefined) {
					p.busy = false;
					continue;
				}
				node.server.spawn(() => {
					const [ok, result] = node.service
						.OfferTrade(p.id, recipient.id, { [`inventory.${relic}`]: 1 }, { coins: 10 }, { expiresIn: 20 })
						.await();
					if (ok) {
						offers += 1;
						if ((result as { status: string }).status === "completed") offersCompleted += 1;
					}
					p.busy = false;
				});
			} else if (roll < 0.77) {
				const targets = nodes.map((_, i) => i).filter((i) => i !== index && nodes[i].alive);
				const target = targets[rng.NextInteger(0, targets.size() - 1)];
				p.at = undefined;
				p.arriving = "teleport";
				teleports += 1;
				// Leaving fires PlayerRemoving: the service saves and releases the profile.
				if (p.player !== undefined) node.server.removePlayer(p.player);
				p.player = undefined;
				task.delay(rng.NextNumber(1, 3), () => join(p, target));
			} else if (roll < 0.85) {
				// Opens another player's profile (a friend's, a leaderboard entry): from memory when that player
				// is held here, else from the views cache, a DataStore read only when none is cached.
				const other = players[rng.NextInteger(0, players.size() - 1)];
				node.server.spawn(() => {
					node.service.ViewPlayerData(other.id).await();
					p.busy = false;
				});
			} else {
				p.busy = false;
			}
		}
		if (now() - lastReport >= 30) {
			lastReport = now();
			progress(
				`${math.floor(((now() - start) / duration) * 100)}%: ${purchases} purchases, ${trades} trades, ` +
					`${offersCompleted}/${offers} offers, ${gifts} gifts, ${teleports} teleports, ` +
					`${players.filter((p) => p.at !== undefined).size()} online; health ` +
					nodes.map((n) => (n.alive ? tostring(n.service.GetHealthStatus().score) : "down")).join("/"),
			);
		}
	}
	configureFaults({});
	progress("play over; waiting for work in flight");
	const settleStart = now();
	while (players.some((p) => p.busy) && now() - settleStart < 300) task.wait(0.5);
	for (const p of players) {
		if (p.busy) progress(`player ${p.id} still busy (server ${p.at ?? p.joining ?? "none"}) ${p.op}`);
	}

	// Health and statistics of the live servers, before they close.
	const live = nodes.filter((n) => n.alive);
	const health: Array<HealthStatus> = live.map((n) => n.service.GetHealthStatus());
	const stats: Array<DataServiceStatistics> = live.map((n) => n.service.GetStatistics());
	// Metrics of every server, the crashed one's up to its crash (its recorder stopped with its threads).
	const metrics = nodes.map((n, i) => ({ server: i + 1, crashed: !n.alive, report: n.service.GetMetrics() }));
	// Each operation's latency over every server: the histograms added, percentiles read the service's way.
	const histograms = live[0].server.require<HistogramModule>(
		"ServerScriptService/TS/services/metrics/LatencyHistogram",
	);
	const merged = new Map<string, InstanceType<HistogramModule["LatencyHistogram"]>>();
	for (const m of metrics) {
		for (const [name, h] of pairs(m.report.latency)) {
			if (!merged.has(name)) merged.set(name, new histograms.LatencyHistogram());
			merged.get(name)!.add(h);
		}
	}
	const latency = new Array<{ name: string; count: number; p50: number; p95: number; max: number }>();
	for (const [name, h] of merged) {
		const { count, max } = h.snapshot();
		latency.push({ name, count, p50: h.percentile(0.5), p95: h.percentile(0.95), max });
	}
	latency.sort((a, b) => a.name < b.name);

	progress("closing every server (BindToClose), then loading every player once more to claim what is in flight");
	for (const n of live) n.server.shutdown();
	const auditor = makeNode();
	task.wait(0.5);
	for (const p of players) auditor.service.LoadPlayerData(p.id).await();
	auditor.server.shutdown();

	// The verdict, from what the cloud holds.
	const checks = new Array<Check>();
	const relicCount = new Map<string, number>();
	let lostPurchases = 0;
	let overGems = 0;
	let totalEarned = 0;
	let totalCoins = 0;
	for (const p of players) {
		totalEarned += p.earned;
		const raw = storedValue("PlayerData", `Player_${p.id}`) as { Data?: { data?: Data } } | undefined;
		const data = raw?.Data?.data;
		if (data === undefined) continue;
		totalCoins += data.coins;
		if (data.gems < p.ackedGems) lostPurchases += 1;
		if (data.gems > p.triedGems) overGems += 1;
		for (const [name, count] of pairs(data.inventory)) relicCount.set(name, (relicCount.get(name) ?? 0) + count);
	}
	let duplicated = 0;
	let lost = 0;
	for (const relic of relics) {
		const count = relicCount.get(relic) ?? 0;
		if (count > 1) duplicated += 1;
		if (count < 1) lost += 1;
	}
	checks.push({
		name: "every relic exists exactly once",
		ok: duplicated === 0 && lost === 0,
		detail: `${relics.size()} relics, ${duplicated} duplicated, ${lost} lost`,
	});
	checks.push({
		name: "every acknowledged purchase is saved",
		ok: lostPurchases === 0,
		detail: `${purchases} acknowledged, ${lostPurchases} players short`,
	});
	checks.push({
		name: "no coins or gems created from nothing",
		ok: totalCoins <= totalEarned && overGems === 0,
		detail: `${totalCoins} coins held of ${totalEarned} earned; ${overGems} players with unbought gems`,
	});
	progress("restore drill: back up, break, restore and undo three players on a server with backups on");
	checks.push(restoreDrill(players.filter((_, i) => i < 3).map((p) => p.id)));
	return {
		ok: checks.every((c) => c.ok),
		checks,
		activity: { purchases, trades, offers, offersCompleted, gifts, teleports, loadFailures: failures },
		health,
		stats,
		timeline: {
			start: sessionStart,
			crashAt: crashedAt !== undefined ? crashedAt + unixOffset : undefined,
			outage: [sessionStart + duration * 0.7, sessionStart + duration * 0.7 + 8],
			end: DateTime.now().UnixTimestampMillis / 1000,
		},
		metrics,
		latency,
		handoffs,
		alerts,
	};
};
