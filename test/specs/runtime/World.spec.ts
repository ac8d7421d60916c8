import { newServer, now } from "../harness/World";

export = () => {
	describe("World servers", () => {
		it("gives each server its own DataModel, JobId and module cache", () => {
			const a = newServer();
			const b = newServer();
			expect(a.game).never.to.equal(b.game);
			expect(a.jobId).never.to.equal(b.jobId);
			const modA = a.require<object>("ReplicatedStorage/TS/core/assertServer");
			const modB = b.require<object>("ReplicatedStorage/TS/core/assertServer");
			expect(modA).never.to.equal(modB);
			expect(a.require<object>("ReplicatedStorage/TS/core/assertServer")).to.equal(modA);
		});
		it("runs BindToClose callbacks on shutdown and stops the server after them", () => {
			const server = newServer();
			let ran = false;
			server.run(() => {
				server.game.BindToClose(() => {
					task.wait(2);
					ran = true;
				});
			});
			const started = now();
			expect(server.shutdown()).to.equal("completed");
			expect(ran).to.equal(true);
			expect(now() - started >= 2).to.equal(true);
			expect(server.state()).to.equal("stopped");
		});
		it("gives up on BindToClose callbacks after 30 seconds", () => {
			const server = newServer();
			server.run(() => server.game.BindToClose(() => task.wait(100)));
			const started = now();
			expect(server.shutdown()).to.equal("timed out");
			expect(math.abs(now() - started - 30) < 0.1).to.equal(true);
		});
	});
};
