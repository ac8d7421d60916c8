// The package's entry (out/init.lua): the three realm indexes, named re-exports only. Nothing here runs
// code on require, so a LocalScript may import from the package too; the server-only classes
// (DataService, DataAccessLayer) refuse to be constructed on a client.
export * from "./shared";
export * from "./server";
export * from "./client";
