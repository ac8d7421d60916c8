import { assertServer } from "shared/core/assertServer";

export = () => {
	describe("assertServer", () => {
		it("passes on a server", () => {
			expect(() => assertServer("X")).never.to.throw();
		});
		it("throws a message naming the module on a client", () => {
			expect(() =>
				assertServer("DataAccessLayer", {
					IsServer() {
						return false;
					},
				}),
			).to.throw("[DataAccessLayer] is server-only");
		});
	});
};
