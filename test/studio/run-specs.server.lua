-- Runs the compiled specs inside Roblox Studio (for example through run-in-roblox) with the same TestEZ
-- the headless runtime uses. Build first: npx rbxtsc -p tsconfig.test.json --rojo test.project.json
local ReplicatedStorage = game:GetService("ReplicatedStorage")
local ServerScriptService = game:GetService("ServerScriptService")

local TestEZ = require(ReplicatedStorage.rbxts_include.node_modules["@rbxts"].testez.src)
local results = TestEZ.TestBootstrap:run({ ServerScriptService.Specs })
print(("%d passed, %d failed, %d skipped"):format(results.successCount, results.failureCount, results.skippedCount))
if results.failureCount > 0 then
	error("specs failed", 0)
end
