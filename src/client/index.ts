export { CHANGE_TYPES } from "./managers/ChangeType";
export type { ChangeType } from "./managers/ChangeType";
