import type { PipelineChange } from "server/services/DataService";
import { configureFaults } from "../harness/Faults";
import {
	freshWorld,
	GameData,
	rejection,
	savedData,
	savedSession,
	serviceServer,
	stopServers,
	waitUntil,
	inboxSize,
} from "./support";

/** A stage that records every change it checks and observes. */
function recorder() {
	const checked = new Array<PipelineChange>();
	const observed = new Array<PipelineChange>();
	return {
		checked,
		observed,
		stage: {
			name: "recorder",
			slot: "audit" as const,
			check: (change: PipelineChange) => {
				checked.push(change);
				return undefined;
			},
			observe: (change: PipelineChange) => {
				observed.push(change);
			},
		},
	};
}

function kinds(changes: ReadonlyArray<PipelineChange>): string {
	return changes.map((c) => `${c.kind}:${c.sides.map((s) => s.playerId).join("+")}`).join(",");
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	describe("stages", () => {
		it("see every kind of change once, in order, with the data before and after and the game's context", () => {
			// Version 1 data, written by a server without migrations.
			const old = serviceServer({ template: { coins: 0 }, schema: { type: "object" } });
			old.service.LoadPlayerData(9101).expect();
			old.service.UpdatePlayerData(9101, { coins: 7 }).expect();
			old.service.ReleasePlayer(9101).expect();
			expect(waitUntil(() => savedData(9101)?.coins === 7 && savedSession(9101) === undefined, 30)).to.equal(
				true,
			);
			old.server.crash();

			const { service } = serviceServer({
				migrations: [(data) => ({ ...(data as object), gems: 0, level: 1, inventory: {} })],
			});
			const rec = recorder();
			service.AddStage(rec.stage);
			service.LoadPlayerData(9101).expect();
			service.LoadPlayerData(9102).expect();
			service
				.UpdatePlayerData(9101, (d) => ({ coins: d.coins + 100 }), { source: "quest", questId: "q1" })
				.expect();
			service.UpdatePlayerData(9102, { gems: 3 }, { source: "purchase", durable: true }).expect();
			service.IncrementPlayerData(9102, { "inventory.sword": 2 }).expect();
			service
				.Trade(9101, 9102, (a, b) => [
					{ ...a, coins: a.coins - 10, inventory: { sword: 1 } },
					{ ...b, coins: b.coins + 10, inventory: { sword: 1 } },
				])
				.expect();
			service.SendGift(9101, 9102, { coins: 5 }, { source: "gift_button" }).expect();
			expect(waitUntil(() => service.GetPlayerData(9102)!.coins === 15, 10)).to.equal(true);
			const offer = service.OfferTrade(9101, 9102, { coins: 20 }, { "inventory.sword": 1 }).expect();
			expect(offer.status).to.equal("completed");
			expect(waitUntil(() => service.GetPlayerData(9101)!.inventory.sword === 2, 10)).to.equal(true);

			expect(kinds(rec.observed)).to.equal(
				[
					"migration:9101",
					"update:9101",
					"durableUpdate:9102",
					"update:9102",
					"trade:9101+9102",
					"gift:9101",
					"delivery:9102",
					"offer:9101",
					"offerSettlement:9102",
					"delivery:9101",
				].join(","),
			);
			// Refusable changes are checked before they are observed; deliveries and migrations only observed.
			expect(kinds(rec.checked)).to.equal(
				"update:9101,durableUpdate:9102,update:9102,trade:9101+9102,gift:9101,offer:9101,offerSettlement:9102",
			);
			const ids = new Set<string>();
			for (const change of rec.observed) {
				expect(ids.has(change.id)).to.equal(false);
				ids.add(change.id);
			}
			const migration = rec.observed[0];
			expect((migration.sides[0].before as { coins: number }).coins).to.equal(7);
			expect((migration.sides[0].after as GameData).level).to.equal(1);
			const update = rec.observed[1];
			expect((update.sides[0].before as GameData).coins).to.equal(7);
			expect((update.sides[0].after as GameData).coins).to.equal(107);
			expect(update.context.questId).to.equal("q1");
			expect(rec.observed[5].context.source).to.equal("gift_button");
		});

		it("refuse a change and leave nothing applied: no data, no inbox entry, no save", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9111).expect();
			service.LoadPlayerData(9112).expect();
			service.UpdatePlayerData(9111, { coins: 100 }, { durable: true }).expect();
			const observed = new Array<string>();
			service.AddStage({
				name: "coinCap",
				slot: "consistency",
				check: (change) =>
					change.kind === "gift" || change.sides.some((s) => (s.after as GameData).coins > 150)
						? { reason: "over the cap" }
						: undefined,
				observe: (change) => {
					observed.push(change.kind);
				},
			});
			const err = rejection(service.UpdatePlayerData(9111, (d) => ({ coins: d.coins + 100 })));
			expect(err.kind).to.equal("Refused");
			expect(err.message.find("coinCap")[0] !== undefined).to.equal(true);
			expect(err.message.find("over the cap")[0] !== undefined).to.equal(true);
			expect(rejection(service.IncrementPlayerData(9112, { coins: 200 }, { durable: true })).kind).to.equal(
				"Refused",
			);
			expect(
				rejection(
					service.Trade(9111, 9112, (a, b) => [
						{ ...a, coins: 0 },
						{ ...b, coins: 200 },
					]),
				).kind,
			).to.equal("Refused");
			service.UpdatePlayerData(9112, { coins: 100 }).expect();
			expect(rejection(service.SendGift(9111, 9112, { coins: 60 })).kind).to.equal("Refused");
			task.wait(35);
			expect(service.GetPlayerData(9111)!.coins).to.equal(100);
			expect(service.GetPlayerData(9112)!.coins).to.equal(100);
			expect(savedData(9111)!.coins).to.equal(100);
			expect(inboxSize(9111)).to.equal(0);
			expect(inboxSize(9112)).to.equal(0);
			// Only the accepted change was observed.
			expect(observed.join(",")).to.equal("update");
		});

		it("cannot refuse a delivery (it was committed elsewhere), and a stage error in observe is only reported", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9121).expect();
			service.LoadPlayerData(9122).expect();
			service.UpdatePlayerData(9121, { coins: 50 }).expect();
			service.AddStage({
				name: "grumpy",
				slot: "audit",
				check: (change) => (change.kind === "gift" ? undefined : { reason: "no" }),
				observe: () => error("observer broke"),
			});
			service.SendGift(9121, 9122, { coins: 20 }).expect();
			expect(waitUntil(() => service.GetPlayerData(9122)!.coins === 20, 10)).to.equal(true);
			expect(service.GetPlayerData(9121)!.coins).to.equal(30);
		});
	});

	describe("functional updates", () => {
		it("apply to the data as it is under the lock, so a gift landing meanwhile is kept", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9131).expect();
			service.LoadPlayerData(9132).expect();
			service.UpdatePlayerData(9131, { coins: 100 }).expect();
			// Every request takes 0.5 s: the recipient's inbox claim holds its lock for seconds after the delivery.
			configureFaults({ dataStore: { latency: { min: 0.5, max: 0.5 } } });
			let award: Promise<unknown> | undefined;
			service.AddStage({
				name: "interleave",
				slot: "audit",
				observe: (change) => {
					// Runs under the recipient's lock: the award queues behind the claim that is still saving.
					if (change.kind === "delivery" && award === undefined) {
						award = service.UpdatePlayerData(9132, (d) => ({ coins: d.coins + 5 }));
					}
				},
			});
			service.SendGift(9131, 9132, { coins: 40 }).expect();
			expect(waitUntil(() => award !== undefined, 10)).to.equal(true);
			award!.expect();
			expect(service.GetPlayerData(9132)!.coins).to.equal(45);
			task.wait(35);
			expect(savedData(9132)!.coins).to.equal(45);
		});

		it("keep every award exactly when many run at once with transfers under injected latency", () => {
			const { service } = serviceServer({ maxConcurrentOperations: 4 });
			service.LoadPlayerData(9141).expect();
			service.LoadPlayerData(9142).expect();
			service.UpdatePlayerData(9141, { coins: 1000 }).expect();
			configureFaults({ dataStore: { latency: { min: 0.05, max: 0.6 } } });
			const awards = new Array<Promise<unknown>>();
			for (let i = 0; i < 30; i++) {
				awards.push(service.UpdatePlayerData(9142, (d) => ({ coins: d.coins + 3 })));
				if (i % 5 === 0) awards.push(service.SendGift(9141, 9142, { coins: 7 }));
				task.wait(0.3);
			}
			for (const award of awards) {
				const [ok, err] = award.await();
				if (!ok) error(`an award or gift failed: ${(err as { message?: string }).message ?? tostring(err)}`);
			}
			expect(waitUntil(() => service.GetPlayerData(9142)!.coins === 30 * 3 + 6 * 7, 30)).to.equal(true);
			expect(service.GetPlayerData(9141)!.coins).to.equal(1000 - 6 * 7);
		});

		it("change nothing when the function returns undefined, and report it", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9151).expect();
			const result = service.UpdatePlayerData(9151, () => undefined).expect();
			expect(result.changed).to.equal(false);
			expect(service.GetStatistics().service.updates).to.equal(0);
		});

		it("refuse a function that yields with TransformFailed, change nothing, and free the player's lock", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9161).expect();
			const err = rejection(
				service.UpdatePlayerData(9161, (d) => {
					task.wait(1);
					return { coins: d.coins + 1 };
				}),
			);
			expect(err.kind).to.equal("TransformFailed");
			expect(err.message.find("yielded")[0] !== undefined).to.equal(true);
			task.wait(2);
			expect(service.GetPlayerData(9161)!.coins).to.equal(0);
			service.UpdatePlayerData(9161, (d) => ({ coins: d.coins + 2 })).expect();
			expect(service.GetPlayerData(9161)!.coins).to.equal(2);
		});

		it("report a function's own error as TransformFailed without an internal file position", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9171).expect();
			const err = rejection(service.UpdatePlayerData(9171, () => error("no coins today")));
			expect(err.kind).to.equal("TransformFailed");
			expect(err.message.find("no coins today")[0] !== undefined).to.equal(true);
			expect(err.message.find("%w:%d+:")[0]).to.equal(undefined);
			service.LoadPlayerData(9172).expect();
			const trade = rejection(service.Trade(9171, 9172, () => error("boom")));
			expect(trade.kind).to.equal("TransformFailed");
			expect(trade.message.find("%w:%d+:")[0]).to.equal(undefined);
		});

		it("validate what the function returns like any change", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9181).expect();
			const err = rejection(service.UpdatePlayerData(9181, (d) => ({ coins: d.coins - 1 })));
			expect(err.kind).to.equal("ValidationFailed");
			expect(err.message.find("coins")[0] !== undefined).to.equal(true);
			expect(rejection(service.UpdatePlayerData(9181, () => 5 as never)).kind).to.equal("InvalidArgument");
		});
	});

	describe("IncrementPlayerData", () => {
		it("adds to top-level and nested fields, making missing ones, and refuses going below a minimum", () => {
			const { service } = serviceServer();
			service.LoadPlayerData(9191).expect();
			const { data } = service.IncrementPlayerData(9191, { coins: 25, "inventory.potion": 2 }).expect();
			expect(data.coins).to.equal(25);
			expect(data.inventory.potion).to.equal(2);
			service.IncrementPlayerData(9191, { coins: -5, "inventory.potion": -1 }).expect();
			expect(service.GetPlayerData(9191)!.coins).to.equal(20);
			expect(service.GetPlayerData(9191)!.inventory.potion).to.equal(1);
			expect(rejection(service.IncrementPlayerData(9191, { coins: -21 })).kind).to.equal("ValidationFailed");
			expect(rejection(service.IncrementPlayerData(9191, { "level.x": 1 })).kind).to.equal("InvalidArgument");
			expect(rejection(service.IncrementPlayerData(9191, { coins: 0 / 0 })).kind).to.equal("InvalidArgument");
			expect(service.GetPlayerData(9191)!.coins).to.equal(20);
		});
	});
};
