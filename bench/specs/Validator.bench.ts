import { t } from "@rbxts/t";
import { DataValidator } from "shared/core/DataValidator";
import { Bench } from "./harness/Bench";

/** Counters of a realistic profile: 30 non-negative integers, beside the 20 other top-level fields. */
const COUNTERS = [
	"kills",
	"deaths",
	"wins",
	"losses",
	"assists",
	"headshots",
	"matchesPlayed",
	"dailyStreak",
	"bestStreak",
	"bestScore",
	"totalSpent",
	"totalEarned",
	"robuxSpent",
	"friendsInvited",
	"questsDone",
	"bossesKilled",
	"chestsOpened",
	"itemsCrafted",
	"itemsSold",
	"tradesDone",
	"petsOwned",
	"eggsHatched",
	"rebirths",
	"prestige",
	"seasonPoints",
	"battlePassTier",
	"loginDays",
	"reportsFiled",
	"giftsSent",
	"giftsReceived",
];

const RARITIES = ["common", "rare", "epic", "legendary"] as const;
const RANKS = ["bronze", "silver", "gold", "platinum", "diamond"] as const;

function profileSchema() {
	const properties: Record<string, object> = {
		userId: { type: "integer", minimum: 1 },
		name: { type: "string", minLength: 3, maxLength: 20 },
		displayName: { type: "string", maxLength: 20 },
		level: { type: "integer", minimum: 1, maximum: 100 },
		xp: { type: "integer", minimum: 0 },
		coins: { type: "integer", minimum: 0 },
		gems: { type: "integer", minimum: 0 },
		rank: { type: "string", enum: RANKS },
		createdAt: { type: "number", minimum: 0 },
		lastLogin: { type: "number", minimum: 0 },
		playTime: { type: "number", minimum: 0 },
		banned: { type: "boolean" },
		vip: { type: "boolean" },
		tutorialDone: { type: "boolean" },
		region: { type: "string", pattern: "^%u%u$" },
		settings: {
			type: "object",
			properties: {
				music: { type: "number", minimum: 0, maximum: 1 },
				sfx: { type: "number", minimum: 0, maximum: 1 },
				language: { type: "string", enum: ["en", "es", "pt", "de", "fr"] },
				showHints: { type: "boolean" },
				fov: { type: "integer", minimum: 60, maximum: 120 },
			},
			required: ["music", "sfx", "language", "showHints", "fov"],
			additionalProperties: false,
		},
		inventory: {
			type: "array",
			maxItems: 200,
			items: {
				type: "object",
				properties: {
					id: { type: "string" },
					count: { type: "integer", minimum: 1, maximum: 999 },
					rarity: { type: "string", enum: RARITIES },
					durability: { type: "number", minimum: 0, maximum: 100 },
					equipped: { type: "boolean" },
				},
				required: ["id", "count", "rarity", "durability", "equipped"],
				additionalProperties: false,
			},
		},
		achievements: { type: "array", items: { type: "string" } },
		quests: {
			type: "array",
			items: {
				type: "object",
				properties: {
					id: { type: "string" },
					progress: { type: "integer", minimum: 0 },
					done: { type: "boolean" },
				},
				required: ["id", "progress", "done"],
				additionalProperties: false,
			},
		},
		friends: { type: "array", items: { type: "integer", minimum: 1 } },
	};
	for (const counter of COUNTERS) {
		properties[counter] = { type: "integer", minimum: 0 };
	}
	const required = new Array<string>();
	for (const [name] of pairs(properties)) {
		required.push(name);
	}
	return {
		type: "object",
		properties,
		required,
		additionalProperties: false,
	} as const;
}

/** The same rules written with @rbxts/t, as a game would write them today. */
function profileCheck() {
	const nonNegativeInteger = t.intersection(t.integer, t.numberMin(0));
	const lengthBetween = (min: number, max: number) => (value: unknown) =>
		t.string(value) && value.size() >= min && value.size() <= max;
	const checks: Record<string, t.check<unknown>> = {
		userId: t.intersection(t.integer, t.numberMin(1)),
		name: lengthBetween(3, 20) as t.check<string>,
		displayName: lengthBetween(0, 20) as t.check<string>,
		level: t.intersection(t.integer, t.numberConstrained(1, 100)),
		xp: nonNegativeInteger,
		coins: nonNegativeInteger,
		gems: nonNegativeInteger,
		rank: t.literal(...RANKS),
		createdAt: t.numberMin(0),
		lastLogin: t.numberMin(0),
		playTime: t.numberMin(0),
		banned: t.boolean,
		vip: t.boolean,
		tutorialDone: t.boolean,
		region: t.match("^%u%u$"),
		settings: t.strictInterface({
			music: t.numberConstrained(0, 1),
			sfx: t.numberConstrained(0, 1),
			language: t.literal("en", "es", "pt", "de", "fr"),
			showHints: t.boolean,
			fov: t.intersection(t.integer, t.numberConstrained(60, 120)),
		}),
		inventory: t.intersection(
			t.array(
				t.strictInterface({
					id: t.string,
					count: t.intersection(t.integer, t.numberConstrained(1, 999)),
					rarity: t.literal(...RARITIES),
					durability: t.numberConstrained(0, 100),
					equipped: t.boolean,
				}),
			),
			(value: unknown): value is unknown => (value as defined[]).size() <= 200,
		),
		achievements: t.array(t.string),
		quests: t.array(
			t.strictInterface({
				id: t.string,
				progress: nonNegativeInteger,
				done: t.boolean,
			}),
		),
		friends: t.array(t.intersection(t.integer, t.numberMin(1))),
	};
	for (const counter of COUNTERS) {
		checks[counter] = nonNegativeInteger;
	}
	return t.strictInterface(checks);
}

function makeProfile() {
	const inventory = new Array<object>();
	for (let i = 0; i < 40; i++) {
		inventory.push({
			id: `item_${i}`,
			count: (i % 50) + 1,
			rarity: RARITIES[i % RARITIES.size()],
			durability: (i * 7) % 100,
			equipped: i % 9 === 0,
		});
	}
	const achievements = new Array<string>();
	for (let i = 0; i < 20; i++) achievements.push(`achievement_${i}`);
	const quests = new Array<object>();
	for (let i = 0; i < 5; i++) quests.push({ id: `quest_${i}`, progress: i * 3, done: i % 2 === 0 });
	const friends = new Array<number>();
	for (let i = 0; i < 15; i++) friends.push(1000 + i);
	const profile: Record<string, unknown> = {
		userId: 123456,
		name: "builderman",
		displayName: "Builder",
		level: 42,
		xp: 123456,
		coins: 9876,
		gems: 12,
		rank: "gold",
		createdAt: 1.7e9,
		lastLogin: 1.75e9,
		playTime: 36000.5,
		banned: false,
		vip: true,
		tutorialDone: true,
		region: "US",
		settings: {
			music: 0.5,
			sfx: 0.8,
			language: "en",
			showHints: false,
			fov: 70,
		},
		inventory,
		achievements,
		quests,
		friends,
	};
	COUNTERS.forEach((counter, i) => {
		profile[counter] = i * 11;
	});
	return profile;
}

/**
 * DataValidator against @rbxts/t on a 50-field player profile (40-item inventory, quests, friends), in the
 * same run, and incremental validation of a one-field change against a full validation.
 */
export = (bench: Bench) => {
	const validator = new DataValidator();
	const schema = profileSchema();
	const compileTime = bench.time(() => new DataValidator().compile(schema), 0.05, 3);
	bench.record("compile the profile schema (once per schema)", compileTime * 1e6, "µs");
	const compiled = validator.compile(schema);
	const tCheck = profileCheck();
	const profile = makeProfile();
	if (!compiled.check(profile) || !tCheck(profile)) {
		error("the benchmark profile must pass both checks");
	}
	const broken = makeProfile();
	(broken.inventory as Array<{ count: number }>)[39].count = 0;
	if (compiled.check(broken) || tCheck(broken)) {
		error("the broken profile must fail both checks");
	}

	// Interleaved rounds, fastest of each: both sides see the same machine load.
	const fastest = (fns: Array<() => void>, rounds = 7) => {
		const best = fns.map(() => math.huge);
		for (let round = 0; round < rounds; round++) {
			fns.forEach((fn, i) => {
				best[i] = math.min(best[i], bench.time(fn, 0.05, 1));
			});
		}
		return best;
	};
	const [tTime, checkTime, validateTime] = fastest([
		() => tCheck(profile),
		() => compiled.check(profile),
		() => compiled.validate(profile),
	]);
	bench.record("t.strictInterface check, valid profile", tTime * 1e6, "µs/op");
	bench.record("DataValidator check, valid profile", checkTime * 1e6, "µs/op");
	bench.record("DataValidator validate, valid profile", validateTime * 1e6, "µs/op");
	bench.ratio("check / t (valid profile)", checkTime, tTime, "<= 1");
	bench.ratio("validate / t (valid profile)", validateTime, tTime, "<= 1");

	const [tBroken, checkBroken, validateBroken] = fastest([
		() => tCheck(broken),
		() => compiled.check(broken),
		() => compiled.validate(broken),
	]);
	bench.record("DataValidator validate with error list, broken profile", validateBroken * 1e6, "µs/op");
	bench.ratio("check / t (profile failing at its last item)", checkBroken, tBroken, "<= 1");

	const topChange = [{ path: ["coins"], value: 10_000 }];
	const nestedChange = [{ path: ["inventory", 3, "count"], value: 7 }];
	const [incrementalTop, incrementalNested] = fastest([
		() => validator.validateChanges(compiled, profile, topChange),
		() => validator.validateChanges(compiled, profile, nestedChange),
	]);
	bench.record("validateChanges, one top-level field", incrementalTop * 1e6, "µs/op");
	bench.record("validateChanges, inventory[3].count", incrementalNested * 1e6, "µs/op");
	bench.ratio("incremental / full validate (coins)", incrementalTop, validateTime, "< 1");
	bench.ratio("incremental / full validate (inventory[3].count)", incrementalNested, validateTime, "< 1");
};
