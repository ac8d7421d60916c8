import { newServer, now } from "../harness/World";

export = () => {
	describe("DataModel", () => {
		it("gives each server its PlaceId and a JobId that is a GUID", () => {
			const server = newServer({ placeId: 4242, runScripts: false });
			expect(server.game.PlaceId).to.equal(4242);
			expect(server.game.JobId).to.equal(server.jobId);
			expect(server.game.JobId.match("^%x+%-%x+%-%x+%-%x+%-%x+$")[0] !== undefined).to.equal(true);
			expect(() => {
				(server.game as unknown as { PlaceId: number }).PlaceId = 1;
			}).to.throw("Property is read only");
			server.crash();
		});

		it("BindToClose refuses anything but a function", () => {
			expect(() => game.BindToClose(5 as unknown as () => void)).to.throw("function");
		});

		it("runs BindToClose callbacks side by side: two 20-second callbacks finish in 20 seconds", () => {
			const server = newServer({ runScripts: false });
			const finished = new Array<number>();
			server.run(() => {
				server.game.BindToClose(() => {
					task.wait(20);
					finished.push(now());
				});
				server.game.BindToClose(() => {
					task.wait(20);
					finished.push(now());
				});
			});
			const started = now();
			expect(server.shutdown()).to.equal("completed");
			expect(finished.size()).to.equal(2);
			expect(now() - started).to.be.near(20, 2 / 60);
		});

		it("GetService returns the same service every time and refuses unknown names", () => {
			expect(game.GetService("Players")).to.equal(game.GetService("Players"));
			expect(game.GetService("Workspace")).to.equal(game.Workspace);
			expect(() => game.GetService("NoSuchService" as keyof Services)).to.throw("is not a valid Service name");
		});
	});

	describe("Enum", () => {
		it("gives EnumItems a Name, a Value and their EnumType, and typeof 'EnumItem'", () => {
			const item = Enum.SortDirection.Descending;
			expect(item.Name).to.equal("Descending");
			expect(item.Value).to.equal(1);
			expect(item.EnumType).to.equal(Enum.SortDirection);
			expect(typeOf(item)).to.equal("EnumItem");
			expect(typeOf(Enum.SortDirection)).to.equal("Enum");
			expect(tostring(item)).to.equal("Enum.SortDirection.Descending");
		});

		it("compares EnumItems by identity and lists an enum's items in value order", () => {
			expect(Enum.DataStoreRequestType.GetAsync).to.equal(Enum.DataStoreRequestType.GetAsync);
			expect(Enum.DataStoreRequestType.GetAsync).never.to.equal(Enum.DataStoreRequestType.UpdateAsync);
			const items = Enum.DataStoreRequestType.GetEnumItems();
			for (let i = 1; i < items.size(); i++) expect(items[i].Value > items[i - 1].Value).to.equal(true);
			expect(Enum.SortDirection.GetEnumItems().size()).to.equal(2);
		});

		it("has every documented DataStoreRequestType with its value", () => {
			const expected: Array<[string, number]> = [
				["GetAsync", 0],
				["SetIncrementAsync", 1],
				["UpdateAsync", 2],
				["GetSortedAsync", 3],
				["SetIncrementSortedAsync", 4],
				["OnUpdate", 5],
				["ListAsync", 6],
				["GetVersionAsync", 7],
				["RemoveVersionAsync", 8],
				["StandardRead", 9],
				["StandardWrite", 10],
				["StandardList", 11],
				["StandardRemove", 12],
				["OrderedRead", 13],
				["OrderedWrite", 14],
				["OrderedList", 15],
				["OrderedRemove", 16],
			];
			const items = Enum.DataStoreRequestType.GetEnumItems();
			expect(items.size()).to.equal(expected.size());
			for (const [name, value] of expected) {
				const item = Enum.DataStoreRequestType.FromName(name);
				expect(item !== undefined && item.Value === value).to.equal(true);
			}
		});

		it("errors on a member an enum does not have, and refuses writes", () => {
			expect(() => (Enum.SortDirection as unknown as { Sideways: unknown }).Sideways).to.throw(
				"is not a valid member",
			);
			expect(() => {
				(Enum.SortDirection.Ascending as unknown as { Value: number }).Value = 3;
			}).to.throw();
		});
	});
};
