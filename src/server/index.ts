export { assertServer } from "shared/core/assertServer";
