/**
 * Reads a Rojo project file and returns its instance tree the way Rojo builds it
 * (https://rojo.space/docs/v7/sync-details/): directories become Folders unless they hold an init
 * script, `.lua`/`.luau` files become ModuleScripts, `.server.*` Scripts, `.client.*` LocalScripts,
 * `.json` files ModuleScripts returning their data, `.txt` StringValues, `.model.json` their
 * instances, `.meta.json` sets properties on its sibling, and a nested `default.project.json` or a
 * `.project.json` file contributes its own tree. Attributes come from `.meta.json` files, JSON models
 * and `$attributes`. Nodes: { name, className, source?, properties?, attributes?, children? }.
 */
import fs from "node:fs";
import path from "node:path";

const SCRIPT_KINDS = [
	[".server.luau", "Script"],
	[".server.lua", "Script"],
	[".client.luau", "LocalScript"],
	[".client.lua", "LocalScript"],
	[".luau", "ModuleScript"],
	[".lua", "ModuleScript"],
];
const INIT_NAMES = [
	["init.server.luau", "Script"],
	["init.server.lua", "Script"],
	["init.client.luau", "LocalScript"],
	["init.client.lua", "LocalScript"],
	["init.luau", "ModuleScript"],
	["init.lua", "ModuleScript"],
];

/**
 * The file names Rojo gives a meaning inside a directory (the init scripts above, init.meta.json, and
 * init.csv, which makes the directory a LocalizationTable): only these exact names are taken out of the
 * directory's children. Any other name that starts with "init." (init.spec.luau, init.test.lua) is an
 * ordinary file (https://rojo.space/docs/v7/sync-details/). The runtime has no LocalizationTable class, so
 * init.csv, like every .csv file, adds nothing to the tree.
 */
const SPECIAL_INIT_FILES = new Set([...INIT_NAMES.map(([name]) => name), "init.meta.json", "init.csv"]);

function globToRegExp(glob) {
	let re = "";
	for (let i = 0; i < glob.length; i++) {
		const c = glob[i];
		if (c === "*" && glob[i + 1] === "*") {
			re += ".*";
			i++;
			if (glob[i + 1] === "/") i++;
		} else if (c === "*") re += "[^/]*";
		else if (c === "?") re += "[^/]";
		else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
	}
	return new RegExp(`^${re}$`);
}

/** A Lua long-string literal holding `text` (used to turn JSON and txt files into modules). */
function luaLiteral(text) {
	let eq = "";
	while (text.includes(`]${eq}]`)) eq += "=";
	return `[${eq}[\n${text}]${eq}]`;
}

export function readProject(projectFile) {
	const projectDir = path.dirname(path.resolve(projectFile));
	const project = JSON.parse(fs.readFileSync(projectFile, "utf8"));
	const ignores = (project.globIgnorePaths ?? []).map(globToRegExp);
	const ignored = (abs) => {
		const rel = path.relative(projectDir, abs).split(path.sep).join("/");
		return ignores.some((re) => re.test(rel));
	};

	function fromPath(name, abs) {
		if (!fs.existsSync(abs)) return { name, className: "Folder", children: [] };
		const stat = fs.statSync(abs);
		if (stat.isDirectory()) return fromDirectory(name, abs);
		return fromFile(abs, name);
	}

	function fromDirectory(name, dir) {
		const nested = path.join(dir, "default.project.json");
		if (fs.existsSync(nested)) return fromProjectFile(nested, name);
		const entries = fs.readdirSync(dir).sort();
		let node = { name, className: "Folder", children: [] };
		for (const [initName, className] of INIT_NAMES) {
			if (entries.includes(initName)) {
				node = { name, className, source: fs.readFileSync(path.join(dir, initName), "utf8"), children: [] };
				break;
			}
		}
		const metaFile = path.join(dir, "init.meta.json");
		if (fs.existsSync(metaFile)) applyMeta(node, metaFile);
		for (const entry of entries) {
			if (entry.startsWith(".") || SPECIAL_INIT_FILES.has(entry)) continue;
			const abs = path.join(dir, entry);
			if (ignored(abs)) continue;
			const stat = fs.statSync(abs);
			if (stat.isDirectory()) {
				node.children.push(fromDirectory(entry, abs));
			} else {
				const child = fromFile(abs);
				if (child) node.children.push(child);
			}
		}
		for (const entry of entries) {
			if (!entry.endsWith(".meta.json") || entry === "init.meta.json") continue;
			const base = entry.slice(0, -".meta.json".length);
			const target = node.children.find((c) => c.name === base);
			if (target) applyMeta(target, path.join(dir, entry));
		}
		return node;
	}

	function applyMeta(node, metaFile) {
		const meta = JSON.parse(fs.readFileSync(metaFile, "utf8"));
		if (meta.className) {
			// Rojo refuses a className for a directory that an init script already turned into a script.
			if (node.className !== "Folder") {
				throw new Error(
					`${metaFile}: className in init.meta.json can only be specified if the affected directory would turn into a Folder instance`,
				);
			}
			node.className = meta.className;
		}
		if (meta.properties) node.properties = { ...node.properties, ...meta.properties };
		if (meta.attributes) node.attributes = { ...node.attributes, ...meta.attributes };
	}

	function fromFile(abs, forcedName) {
		const file = path.basename(abs);
		if (file.endsWith(".meta.json")) return null;
		if (file.endsWith(".project.json")) return fromProjectFile(abs, forcedName ?? file.slice(0, -".project.json".length));
		if (file.endsWith(".model.json")) {
			const model = JSON.parse(fs.readFileSync(abs, "utf8"));
			return fromModel(model, forcedName ?? file.slice(0, -".model.json".length));
		}
		for (const [ext, className] of SCRIPT_KINDS) {
			if (file.endsWith(ext)) {
				return { name: forcedName ?? file.slice(0, -ext.length), className, source: fs.readFileSync(abs, "utf8"), children: [] };
			}
		}
		if (file.endsWith(".json")) {
			const text = fs.readFileSync(abs, "utf8");
			JSON.parse(text); // Rojo refuses invalid JSON; so do we.
			const source = `return game:GetService("HttpService"):JSONDecode(${luaLiteral(text)})`;
			return { name: forcedName ?? file.slice(0, -".json".length), className: "ModuleScript", source, children: [] };
		}
		if (file.endsWith(".txt")) {
			return {
				name: forcedName ?? file.slice(0, -".txt".length),
				className: "StringValue",
				properties: { Value: fs.readFileSync(abs, "utf8") },
				children: [],
			};
		}
		return null; // Rojo ignores files it has no rule for (.ts, .d.ts, .md, LICENSE, ...)
	}

	// A JSON model (camelCase keys, or the legacy PascalCase ones); an unnamed instance takes its class name,
	// and the file's name always wins over a top-level name.
	function fromModel(model, name) {
		const className = model.className ?? model.ClassName;
		if (typeof className !== "string") throw new Error(`JSON model ${name ?? ""}: className missing`);
		return {
			name: name ?? model.name ?? model.Name ?? className,
			className,
			properties: model.properties ?? model.Properties,
			attributes: model.attributes,
			children: (model.children ?? model.Children ?? []).map((c) => fromModel(c)),
		};
	}

	function fromProjectFile(file, name) {
		const nested = readProject(file);
		nested.name = name ?? nested.name;
		return nested;
	}

	function fromProjectNode(name, spec) {
		let node;
		if (spec.$path !== undefined) {
			node = fromPath(name, path.resolve(projectDir, spec.$path));
			if (!node) node = { name, className: "Folder", children: [] };
			node.name = name;
		} else {
			node = { name, className: spec.$className ?? "Folder", children: [] };
		}
		if (spec.$className) node.className = spec.$className;
		if (spec.$properties) node.properties = { ...node.properties, ...spec.$properties };
		if (spec.$attributes) node.attributes = { ...node.attributes, ...spec.$attributes };
		for (const [key, value] of Object.entries(spec)) {
			if (key.startsWith("$")) continue;
			node.children = node.children.filter((c) => c.name !== key);
			node.children.push(fromProjectNode(key, value));
		}
		return node;
	}

	return fromProjectNode(project.name, project.tree);
}
