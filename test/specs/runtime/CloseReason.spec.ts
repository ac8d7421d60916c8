import { newServer } from "../harness/World";

const DOC = "reference/engine/classes/DataModel, reference/engine/enums/CloseReason";

export = () => {
	describe("BindToClose and Enum.CloseReason", () => {
		it(`passes each BindToClose callback the Enum.CloseReason of the shutdown (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			const reasons = new Array<Enum.CloseReason>();
			server.run(() => {
				server.game.BindToClose((reason: Enum.CloseReason) => reasons.push(reason));
				server.game.BindToClose((reason: Enum.CloseReason) => reasons.push(reason));
			});
			expect(server.shutdown(Enum.CloseReason.ServerEmpty)).to.equal("completed");
			expect(reasons.size()).to.equal(2);
			expect(reasons[0]).to.equal(Enum.CloseReason.ServerEmpty);
			expect(reasons[1]).to.equal(Enum.CloseReason.ServerEmpty);
		});

		it(`gives DeveloperShutdown when a spec names no reason (${DOC})`, () => {
			const server = newServer({ runScripts: false });
			let reason: unknown;
			server.run(() => server.game.BindToClose((r: Enum.CloseReason) => (reason = r)));
			server.shutdown();
			expect(reason).to.equal(Enum.CloseReason.DeveloperShutdown);
		});

		it(`fires PlayerRemoving for every player before the first BindToClose callback runs (the runtime's documented choice; ${DOC})`, () => {
			const server = newServer({ runScripts: false });
			server.addPlayer({ userId: 9101 });
			server.addPlayer({ userId: 9102 });
			const order = new Array<string>();
			server.run(() => {
				server.game.GetService("Players").PlayerRemoving.Connect((p) => order.push(`removing ${p.UserId}`));
				server.game.BindToClose(() => order.push("close"));
			});
			server.shutdown();
			expect(order.join(",")).to.equal("removing 9101,removing 9102,close");
		});
	});
};
