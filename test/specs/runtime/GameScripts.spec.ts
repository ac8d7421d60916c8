import { newServer, runGameScripts } from "../harness/World";

type TreeNode = { name: string; className: string; source?: string; children: Array<TreeNode> };

const SCRIPT = "GameScriptsSpecProbe";

/** Adds a game Script to ServerScriptService of every server created until the returned function runs. */
function withGameScript(body: () => void): void {
	const tree = (__runtime.World as unknown as { tree: TreeNode }).tree;
	const sss = tree.children.find((c) => c.name === "ServerScriptService")!;
	const node: TreeNode = {
		name: SCRIPT,
		className: "Script",
		source: `game:GetService("Workspace"):SetAttribute("${SCRIPT}", true)`,
		children: [],
	};
	sss.children.push(node);
	try {
		body();
	} finally {
		const i = sss.children.indexOf(node);
		if (i >= 0) sss.children.remove(i);
	}
}

function ran(server: ReturnType<typeof newServer>): boolean {
	return server.game.GetService("Workspace").GetAttribute(SCRIPT) === true;
}

export = () => {
	afterEach(() => runGameScripts(true));

	describe("The game's own server scripts in spec servers (README: The headless runtime)", () => {
		it("starts the game's Scripts in a new server by default, as Roblox does (reference/engine/classes/Script)", () => {
			withGameScript(() => {
				const server = newServer();
				task.wait();
				expect(ran(server)).to.equal(true);
				server.shutdown();
			});
		});

		it("lets one server, or every server of a spec file, leave the game's Scripts off", () => {
			withGameScript(() => {
				const one = newServer({ runScripts: false });
				runGameScripts(false);
				const later = newServer();
				const forced = newServer({ runScripts: true });
				task.wait();
				expect(ran(one)).to.equal(false);
				expect(ran(later)).to.equal(false);
				expect(ran(forced)).to.equal(true);
				one.shutdown();
				later.shutdown();
				forced.shutdown();
			});
		});

		it("refuses a runGameScripts value that is not a boolean", () => {
			expect(() => runGameScripts("no" as unknown as boolean)).to.throw("expects a boolean");
		});
	});
};
