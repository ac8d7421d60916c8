/**
 * Boots the real Luau VM (npm package luau-web) with its WebAssembly memory limit raised.
 *
 * luau-web 1.4.0 ships a WebAssembly module whose memory is fixed at 274 pages (about 17 MiB) and whose
 * heap-resize hook aborts (shared/roblox-platform.md, "The headless Luau VM"). We rewrite the module's
 * memory section (initial and maximum pages) and replace the resize hook with one that grows the memory,
 * then load the patched copy from a cache folder. The package itself is never modified.
 */
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const WASM_PAGE = 65536;
/** Initial memory: 32 MiB. */
export const INITIAL_PAGES = 512;
/** Largest memory the VM may grow to: 2 GiB. */
export const MAX_PAGES = 32768;

function readLeb(buf, pos) {
	let result = 0;
	let shift = 0;
	let byte;
	do {
		byte = buf[pos++];
		result |= (byte & 0x7f) << shift;
		shift += 7;
	} while (byte & 0x80);
	return [result >>> 0, pos];
}

function writeLeb(n) {
	const out = [];
	do {
		let byte = n & 0x7f;
		n >>>= 7;
		if (n) byte |= 0x80;
		out.push(byte);
	} while (n);
	return out;
}

/** Returns a copy of a WebAssembly binary whose (single, defined) memory has the given limits. */
export function patchWasmMemory(wasm, initialPages, maxPages) {
	const parts = [wasm.subarray(0, 8)];
	let pos = 8;
	let patched = false;
	while (pos < wasm.length) {
		const id = wasm[pos];
		const [size, bodyStart] = readLeb(wasm, pos + 1);
		const end = bodyStart + size;
		if (id === 5) {
			const body = [...writeLeb(1), 0x01, ...writeLeb(initialPages), ...writeLeb(maxPages)];
			parts.push(Buffer.from([5, ...writeLeb(body.length), ...body]));
			patched = true;
		} else {
			parts.push(wasm.subarray(pos, end));
		}
		pos = end;
	}
	if (!patched) throw new Error("luau-web: the WebAssembly module has no memory section to patch");
	return Buffer.concat(parts);
}

const RESIZE_HOOK =
	/var _emscripten_resize_heap=requestedSize=>\{var oldSize=HEAPU8\.length;requestedSize>>>=0;abortOnCannotGrowMemory\(requestedSize\)\}/;
const GROWING_RESIZE_HOOK =
	`var _emscripten_resize_heap=requestedSize=>{var oldSize=HEAPU8.length;requestedSize>>>=0;` +
	`var maxHeap=${MAX_PAGES * WASM_PAGE};if(requestedSize>maxHeap)return false;` +
	`var newSize=Math.min(maxHeap,Math.max(requestedSize,oldSize*2));newSize=Math.ceil(newSize/${WASM_PAGE})*${WASM_PAGE};` +
	`try{wasmMemory.grow((newSize-oldSize)/${WASM_PAGE}|0);updateMemoryViews();return true}catch(e){return false}}`;

/** Writes (once per luau-web build) the patched luau-web into node_modules/.cache and returns its entry path. */
export function preparePatchedLuauWeb() {
	const pkgDir = path.dirname(require.resolve("luau-web/package.json"));
	const libSource = fs.readFileSync(path.join(pkgDir, "src/lib/Luau.Web.Asyncify.js"), "utf8");
	const indexSource = fs.readFileSync(path.join(pkgDir, "src/index.js"), "utf8");
	const hash = crypto.createHash("sha256").update(libSource).update(indexSource).update(GROWING_RESIZE_HOOK)
		.update(String(INITIAL_PAGES)).digest("hex").slice(0, 16);
	const cacheDir = path.join(pkgDir, "..", ".cache", `luau-web-${hash}`);
	const entry = path.join(cacheDir, "index.mjs");
	if (fs.existsSync(entry)) return entry;

	const embedded = libSource.match(/base64Decode\("([A-Za-z0-9+/=]+)"\)/);
	if (!embedded) throw new Error("luau-web: embedded WebAssembly module not found");
	if (!RESIZE_HOOK.test(libSource)) throw new Error("luau-web: heap resize hook not found");
	const wasm = patchWasmMemory(Buffer.from(embedded[1], "base64"), INITIAL_PAGES, MAX_PAGES);
	const lib = libSource
		.replace(embedded[0], () => `base64Decode("${wasm.toString("base64")}")`)
		.replace(RESIZE_HOOK, () => GROWING_RESIZE_HOOK);
	// Node 20 has no JSPI, so index.js always picks the Asyncify build; import it directly.
	const index = indexSource.replace(
		/if \('Suspending' in WebAssembly[\s\S]*?\n}\n/,
		"InternalLuauWasmModule = (await import('./Luau.Web.Asyncify.mjs')).default\n",
	);
	if (index === indexSource) throw new Error("luau-web: build selection in index.js not found");
	fs.mkdirSync(cacheDir, { recursive: true });
	const tmp = `${cacheDir}/.${process.pid}`;
	fs.writeFileSync(`${tmp}.lib`, lib);
	fs.renameSync(`${tmp}.lib`, path.join(cacheDir, "Luau.Web.Asyncify.mjs"));
	fs.writeFileSync(`${tmp}.idx`, index);
	fs.renameSync(`${tmp}.idx`, entry);
	return entry;
}

/** Creates a Luau state with the given host globals. */
export async function createLuauState(hostGlobals) {
	const { LuauState } = await import(pathToFileURL(preparePatchedLuauWeb()).href);
	return LuauState.createAsync(hostGlobals);
}
