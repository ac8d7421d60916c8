import { resetCloud } from "../harness/Cloud";
import { newServer, ServerHandle, stopOtherServers } from "../harness/World";

type ProfileServiceModule = typeof import("@rbxts/profileservice");
type Data = { coins: number };
/** The part of ProfileService's API these specs use, typed for this template. */
interface LoadedProfile {
	Data: Data;
	Release(): void;
	Save(): void;
	IsActive(): boolean;
	ListenToRelease(listener: () => void): RBXScriptConnection;
}
interface Store {
	LoadProfileAsync(key: string, handler: "ForceLoad" | "Steal" | (() => "Cancel")): LoadedProfile | undefined;
	ViewProfileAsync(key: string): { Data?: Data } | undefined;
}

const TEMPLATE: Data = { coins: 0 };

/** The server's own, unmodified copy of ProfileService (module singletons are per server). */
function storeOf(server: ServerHandle, name = "ProfileSpec"): Store {
	const ProfileService = server.require<ProfileServiceModule>(
		"ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src",
	);
	return ProfileService.GetProfileStore(name, TEMPLATE) as unknown as Store;
}

function load(
	server: ServerHandle,
	key: string,
	handler: "ForceLoad" | "Steal" | "Cancel" = "ForceLoad",
): LoadedProfile | undefined {
	return server.run(() => storeOf(server).LoadProfileAsync(key, handler === "Cancel" ? () => "Cancel" : handler));
}

export = () => {
	beforeEach(() => resetCloud());
	// ProfileService keeps Heartbeat loops per server; stopping the servers ends them.
	afterEach(() => stopOtherServers());

	it("loads a new profile from the template, releases it, and reloads it with its data intact", () => {
		const server = newServer({ runScripts: false });
		const profile = load(server, "p1")!;
		expect(profile.Data.coins).to.equal(0);
		profile.Data.coins = 42;
		server.run(() => profile.Release());
		task.wait(10);
		const again = load(newServer({ runScripts: false }), "p1")!;
		expect(again.Data.coins).to.equal(42);
	});

	it("gives up on a profile another server holds when asked to Cancel", () => {
		const holder = newServer({ runScripts: false });
		const held = load(holder, "p2")!;
		expect(held).to.be.ok();
		const other = newServer({ runScripts: false });
		expect(load(other, "p2", "Cancel")).to.equal(undefined);
		expect(held.IsActive()).to.equal(true);
	});

	it("takes a held profile with ForceLoad after the holder releases it, without losing the holder's save", () => {
		const holder = newServer({ runScripts: false });
		const held = load(holder, "p3")!;
		held.Data.coins = 7;
		let releasedOnHolder = false;
		holder.run(() => held.ListenToRelease(() => (releasedOnHolder = true)));
		const taker = newServer({ runScripts: false });
		const taken = load(taker, "p3", "ForceLoad")!;
		expect(taken).to.be.ok();
		expect(releasedOnHolder).to.equal(true);
		expect(taken.Data.coins).to.equal(7);
	});

	it("steals a held profile at once with Steal", () => {
		const holder = newServer({ runScripts: false });
		const held = load(holder, "p4")!;
		held.Data.coins = 3;
		holder.run(() => held.Save());
		task.wait(10);
		const thief = newServer({ runScripts: false });
		const stolen = load(thief, "p4", "Steal")!;
		expect(stolen.Data.coins).to.equal(3);
		task.wait(40); // the holder's next auto-save finds the session taken and releases
		expect(held.IsActive()).to.equal(false);
	});

	it("auto-saves changes within its 30-second cycle", () => {
		const server = newServer({ runScripts: false });
		const profile = load(server, "p5")!;
		profile.Data.coins = 99;
		task.wait(70);
		const reader = newServer({ runScripts: false });
		const view = reader.run(() => storeOf(reader).ViewProfileAsync("p5"));
		expect(view!.Data!.coins).to.equal(99);
	});

	it("takes over the lock of a crashed holder with ForceLoad once its release request goes unanswered", () => {
		const holder = newServer({ runScripts: false });
		const held = load(holder, "p6")!;
		held.Data.coins = 5;
		holder.run(() => held.Save());
		task.wait(10);
		holder.crash();
		const taker = newServer({ runScripts: false });
		const started = os.clock();
		const taken = load(taker, "p6", "ForceLoad")!;
		expect(taken.Data.coins).to.equal(5);
		// Nobody answers the request, so ForceLoad waits out its steps (8, one per 7 s write cooldown)
		// and then steals: the takeover is neither instant nor the 30-minute dead-lock wait.
		const took = os.clock() - started;
		expect(took > 7 && took < 600).to.equal(true);
	});

	it("releases every profile from BindToClose when the server shuts down", () => {
		const server = newServer({ runScripts: false });
		const a = load(server, "p7")!;
		const b = load(server, "p8")!;
		a.Data.coins = 1;
		b.Data.coins = 2;
		expect(server.shutdown()).to.equal("completed");
		const successor = newServer({ runScripts: false });
		const ra = load(successor, "p7", "Cancel");
		const rb = load(successor, "p8", "Cancel");
		expect(ra!.Data.coins).to.equal(1);
		expect(rb!.Data.coins).to.equal(2);
	});
};
