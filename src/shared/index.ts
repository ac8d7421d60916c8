export { assertServer } from "./core/assertServer";
