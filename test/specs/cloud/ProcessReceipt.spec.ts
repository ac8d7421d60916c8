/**
 * MarketplaceService.ProcessReceipt as documented (reference/engine/classes/MarketplaceService, "Guarantees",
 * "Retries and timeouts", "Limitations"), driven by the harness's purchaseProduct.
 */
import { newServer, ServerHandle, stopOtherServers } from "../harness/World";
import { purchaseProduct, receiptCalls, unresolvedPurchases } from "../harness/Marketplace";
import { withFaults } from "../harness/Faults";

const DOC = "reference/engine/classes/MarketplaceService";
type Decide = (receipt: ReceiptInfo) => Enum.ProductPurchaseDecision;

function bindReceipts(server: ServerHandle, decide: Decide): void {
	server.run(() => {
		server.game.GetService("MarketplaceService").ProcessReceipt = decide;
	});
}

function callsOn(server: ServerHandle, purchaseId: string) {
	return receiptCalls().filter((c) => c.purchaseId === purchaseId && c.jobId === server.jobId);
}

export = () => {
	afterEach(() => stopOtherServers());

	describe("MarketplaceService.ProcessReceipt", () => {
		it(`calls ProcessReceipt on the buyer's server with the documented receipt, and PurchaseGranted resolves it (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5101 });
			const seen = new Array<ReceiptInfo>();
			bindReceipts(server, (receipt) => {
				seen.push(receipt);
				return Enum.ProductPurchaseDecision.PurchaseGranted;
			});
			const id = purchaseProduct(player, 777, 25);
			task.wait();
			expect(seen.size()).to.equal(1);
			const receipt = seen[0];
			expect(receipt.PurchaseId).to.equal(id);
			expect(receipt.PlayerId).to.equal(5101);
			expect(receipt.ProductId).to.equal(777);
			expect(receipt.PlaceIdWherePurchased).to.equal(server.game.PlaceId);
			expect(receipt.CurrencySpent).to.equal(25);
			expect(receipt.CurrencyType).to.equal(Enum.CurrencyType.Robux);
			expect(unresolvedPurchases(5101).size()).to.equal(0);
		});

		it(`has no time-based retry: NotProcessedYet is offered again only at the user's next purchase (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5102 });
			let grant = false;
			bindReceipts(server, () =>
				grant ? Enum.ProductPurchaseDecision.PurchaseGranted : Enum.ProductPurchaseDecision.NotProcessedYet,
			);
			const first = purchaseProduct(player, 1);
			task.wait(600);
			expect(callsOn(server, first).size()).to.equal(1);
			expect(unresolvedPurchases(5102).join(",")).to.equal(first);
			grant = true;
			const second = purchaseProduct(player, 2);
			task.wait();
			// The next purchase offers every unresolved purchase of the user, the old one included.
			expect(callsOn(server, first).size()).to.equal(2);
			expect(callsOn(server, second).size()).to.equal(1);
			expect(unresolvedPurchases(5102).size()).to.equal(0);
		});

		it(`offers an unresolved purchase on the server the user joins next, and never while the user is away (${DOC})`, () => {
			const a = newServer({ runScripts: false });
			const b = newServer({ runScripts: false });
			const player = a.addPlayer({ userId: 5103 });
			bindReceipts(a, () => Enum.ProductPurchaseDecision.NotProcessedYet);
			bindReceipts(b, () => Enum.ProductPurchaseDecision.PurchaseGranted);
			const id = purchaseProduct(player, 3);
			task.wait();
			a.removePlayer(player);
			task.wait(60);
			expect(callsOn(b, id).size()).to.equal(0);
			expect(unresolvedPurchases(5103).size()).to.equal(1);
			b.addPlayer({ userId: 5103 });
			task.wait();
			expect(callsOn(b, id).size()).to.equal(1);
			expect(callsOn(a, id).size()).to.equal(1);
			expect(unresolvedPurchases(5103).size()).to.equal(0);
		});

		it(`leaves a purchase unresolved when the callback errors, until a later join grants it (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5104 });
			let fail = true;
			bindReceipts(server, () => {
				if (fail) error("the save failed");
				return Enum.ProductPurchaseDecision.PurchaseGranted;
			});
			const id = purchaseProduct(player, 4);
			task.wait();
			expect(unresolvedPurchases(5104).join(",")).to.equal(id);
			fail = false;
			server.removePlayer(player);
			server.addPlayer({ userId: 5104 });
			task.wait();
			expect(unresolvedPurchases(5104).size()).to.equal(0);
			const decisions = callsOn(server, id).map((c) => c.decision);
			expect(decisions.join(",")).to.equal("error,PurchaseGranted");
		});

		it(`accepts a yielding callback's late PurchaseGranted: there is no timeout (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5105 });
			bindReceipts(server, () => {
				task.wait(300);
				return Enum.ProductPurchaseDecision.PurchaseGranted;
			});
			purchaseProduct(player, 5);
			task.wait(299);
			expect(unresolvedPurchases(5105).size()).to.equal(1);
			task.wait(2);
			expect(unresolvedPurchases(5105).size()).to.equal(0);
		});

		it(`never runs two callbacks for one purchase on one server at once: a purchase made meanwhile does not re-offer it (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5109 });
			const started = new Array<number>();
			bindReceipts(server, (receipt) => {
				started.push(receipt.ProductId);
				task.wait(10);
				return Enum.ProductPurchaseDecision.PurchaseGranted;
			});
			purchaseProduct(player, 10);
			task.wait(1);
			purchaseProduct(player, 11);
			task.wait(20);
			expect(started.join(",")).to.equal("10,11");
			expect(unresolvedPurchases(5109).size()).to.equal(0);
		});

		it(`may run one purchase's callback on two servers at once when the user joins a second before the first returns (${DOC})`, () => {
			const a = newServer({ runScripts: false });
			const b = newServer({ runScripts: false });
			const player = a.addPlayer({ userId: 5106 });
			const running = new Array<string>();
			let overlap = false;
			const decide = (jobId: string) => () => {
				if (running.size() > 0) overlap = true;
				running.push(jobId);
				task.wait(10);
				running.remove(running.indexOf(jobId));
				return Enum.ProductPurchaseDecision.PurchaseGranted;
			};
			bindReceipts(a, decide(a.jobId));
			bindReceipts(b, decide(b.jobId));
			const id = purchaseProduct(player, 6);
			task.wait(1);
			a.teleport(player, b, { delay: 1 });
			task.wait(20);
			expect(overlap).to.equal(true);
			expect(callsOn(a, id).size()).to.equal(1);
			expect(callsOn(b, id).size()).to.equal(1);
			expect(unresolvedPurchases(5106).size()).to.equal(0);
		});

		it(`keeps a purchase unresolved when the backend fails to record a PurchaseGranted (${DOC}, "Limitations")`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5107 });
			bindReceipts(server, () => Enum.ProductPurchaseDecision.PurchaseGranted);
			withFaults({ marketplace: { unrecordedGrantRate: 1 } }, () => {
				purchaseProduct(player, 7);
				task.wait();
			});
			expect(unresolvedPurchases(5107).size()).to.equal(1);
			purchaseProduct(player, 8);
			task.wait();
			expect(unresolvedPurchases(5107).size()).to.equal(0);
		});

		it(`refuses a purchase by a player who is in no running server`, () => {
			const server = newServer({ runScripts: false });
			const player = server.addPlayer({ userId: 5108 });
			server.removePlayer(player);
			expect(() => purchaseProduct(player, 9)).to.throw("not in a running server");
		});
	});
};
