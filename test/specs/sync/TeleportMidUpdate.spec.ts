import { resetCloud, storedValue } from "../harness/Cloud";
import { configureFaults } from "../harness/Faults";
import { stopOtherServers } from "../harness/World";
import { dataServiceSyncServer, DataServiceSyncServer, GameData, startClient } from "./DataServiceFixture";
import { STATE_PRIORITIES } from "./SyncFixture";

const USER = 5150;
/** One-way latency of every remote message: a proposal reaches the server 1 s after SetState, its ack 1 s later. */
const REMOTE_LATENCY = 1;

/** A game server: DataService (loading each joining player) as the authority of the state sync. */
function gameServer(): DataServiceSyncServer {
	const made = dataServiceSyncServer({ faultImmune: true, loadOnJoin: true });
	task.wait(0.5);
	return made;
}

/** The level ProfileService saved for the player. */
function savedLevel(): number | undefined {
	const raw = storedValue("PlayerData", `Player_${USER}`) as { Data?: { data?: GameData } } | undefined;
	return raw?.Data?.data?.level;
}

/**
 * Yields until `condition` holds; errors after 30 virtual seconds. Helpers run outside the spec's
 * environment, where TestEZ's expect is not defined, so they fail with an error.
 */
function waitFor(condition: () => boolean, failure: string): void {
	const started = os.clock();
	while (!condition()) {
		if (os.clock() - started > 30) error(`${failure} within 30 s`, 2);
		task.wait(0.25);
	}
}

/** Two servers; the player plays on A, its profile loaded and its client synced at level 1. */
function setUp() {
	const a = gameServer();
	const b = gameServer();
	const { player, client } = a.server.addPlayerWithClient({ userId: USER });
	const manager = startClient(client);
	waitFor(
		() => a.service.GetPlayerData(USER) !== undefined && client.run(() => manager.GetState("level")) === 1,
		"A did not load the profile and sync level 1 to the client",
	);
	return { a, b, player, client, manager };
}

/** Teleports the player from A to B and waits until B holds its profile and its new client synced. */
function teleport(a: DataServiceSyncServer, b: DataServiceSyncServer, player: Player) {
	const arrived = a.server.teleport(player, b.server, { delay: 1 });
	assert(arrived !== undefined, "the player did not arrive on B");
	const client = b.server.clientOf(arrived!)!;
	const manager = startClient(client);
	waitFor(
		() => b.service.GetPlayerData(USER) !== undefined && client.run(() => manager.IsSynced()),
		"B did not load the profile and sync its client",
	);
	// Let any push or retry in flight settle.
	task.wait(3);
	return { player: arrived!, client, manager };
}

export = () => {
	beforeEach(() => {
		stopOtherServers();
		configureFaults({ remotes: { latency: { min: REMOTE_LATENCY, max: REMOTE_LATENCY } } });
		resetCloud();
	});
	afterAll(() => {
		stopOtherServers();
		configureFaults({});
		resetCloud();
	});

	it("applies a change the server accepted before the teleport exactly once, and B's client shows it", () => {
		const { a, b, player, client, manager } = setUp();
		client.run(() => manager.SetState("level", 7, STATE_PRIORITIES.CRITICAL));
		// 1.5 s later the server applied it (at 1 s) and the ack is still on the wire (until 2 s).
		task.wait(REMOTE_LATENCY * 1.5);
		expect(a.service.GetPlayerData(USER)!.level).to.equal(7);
		expect(client.run(() => manager.GetLevel("level").level)).to.equal("pending");
		expect(a.sync.getStats().applied).to.equal(1);
		const there = teleport(a, b, player);
		expect(savedLevel()).to.equal(7);
		expect(b.service.GetPlayerData(USER)!.level).to.equal(7);
		expect(there.client.run(() => there.manager.GetState("level"))).to.equal(7);
		expect(there.client.run(() => there.manager.GetLevel("level").level)).to.equal("confirmed");
		// Once: A applied it once, B never (the new client has nothing to resend), and no update reached B.
		expect(a.sync.getStats().applied).to.equal(1);
		expect(b.sync.getStats().applied).to.equal(0);
		expect(b.service.GetStatistics().service.updates).to.equal(0);
	});

	it("drops a change still on its way to the server when the player teleports, and B's client shows the saved value", () => {
		const { a, b, player, client, manager } = setUp();
		client.run(() => manager.SetState("level", 9, STATE_PRIORITIES.CRITICAL));
		// Half way: the proposal has not reached A yet (nothing applied or refused) when the player leaves it.
		task.wait(REMOTE_LATENCY * 0.5);
		expect(a.sync.getStats().applied).to.equal(0);
		expect(next(a.sync.getStats().rejected)[0]).to.equal(undefined);
		expect(client.run(() => manager.GetState("level"))).to.equal(9);
		const there = teleport(a, b, player);
		expect(a.sync.getStats().applied).to.equal(0);
		expect(savedLevel()).to.equal(1);
		expect(b.service.GetPlayerData(USER)!.level).to.equal(1);
		expect(there.client.run(() => there.manager.GetState("level"))).to.equal(1);
		expect(there.client.run(() => there.manager.HasPending())).to.equal(false);
		// And a change made on B now goes through once.
		there.client.run(() => there.manager.SetState("level", 9, STATE_PRIORITIES.CRITICAL));
		task.wait(REMOTE_LATENCY * 3);
		expect(b.service.GetPlayerData(USER)!.level).to.equal(9);
		expect(there.client.run(() => there.manager.GetLevel("level").level)).to.equal("confirmed");
		expect(b.sync.getStats().applied).to.equal(1);
	});

	it("never writes a proposal that reaches A after the player's profile was released", () => {
		const { a, b, player } = setUp();
		const teleporting = task.spawn(() => a.server.teleport(player, b.server, { delay: 1 }));
		// The proposal arrives as the player leaves (PlayerRemoving ran), and again once A has released.
		const propose = (id: number) =>
			a.server.run(() => a.sync.receive(player, { type: "propose", v: 1, id, key: "level", value: 50, base: 0 }));
		propose(101);
		task.wait(2);
		expect(a.service.GetPlayerData(USER)).to.equal(undefined);
		propose(102);
		while (coroutine.status(teleporting) !== "dead") task.wait(0.25);
		const started = os.clock();
		while (b.service.GetPlayerData(USER) === undefined) {
			expect(os.clock() - started < 30).to.equal(true);
			task.wait(0.25);
		}
		propose(103);
		task.wait(2);
		// Applied at most once, before the release (then saved with it), and never after it.
		const applied = a.sync.getStats().applied;
		expect(applied <= 1).to.equal(true);
		expect(b.service.GetPlayerData(USER)!.level).to.equal(applied === 1 ? 50 : 1);
		expect(savedLevel()).to.equal(applied === 1 ? 50 : 1);
		expect(a.sync.getStats().rejected.denied).to.equal(3 - applied);
	});
};
