import type { Infer, Schema } from "shared/core/DataValidator";
import type { DataServiceConfig } from "./data/DataServiceConfig";
import type { DataServiceServices } from "./data/DataServiceTypes";
import { DataService } from "./DataService";

/**
 * A DataService whose data type comes from its schema: `T` is `Infer<typeof schema>`, and the template is
 * checked against that type at compile time (the constructor checks it against the schema at run time).
 * `new DataService({ schema, template })` infers `T` from the template instead.
 *
 * @param config - the service's config; `schema` is required (write it `as const` so its literals survive).
 * @param services - the services to use; each defaults to the real one.
 * @returns the service, typed by the schema.
 * @example
 * ```ts
 * const SCHEMA = { type: "object", properties: { coins: { type: "integer", minimum: 0 } }, required: ["coins"] } as const;
 * const dataService = createDataService({ schema: SCHEMA, template: { coins: 0 } });
 * dataService.UpdatePlayerData(id, (data) => ({ coins: data.coins + 1 })); // data: { coins: number }
 * ```
 */
export function createDataService<S extends Schema>(
	config: DataServiceConfig<Infer<S> & object> & { readonly schema: S; readonly template: Infer<S> & object },
	services: DataServiceServices = {},
): DataService<Infer<S> & object> {
	return new DataService<Infer<S> & object>(config, services);
}
