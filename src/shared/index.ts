export { assertServer } from "./core/assertServer";
export { CompiledSchema, DataValidator, DATASTORE_VALUE_LIMIT, formatPath } from "./core/DataValidator";
export type {
	Change,
	Check,
	DataValidatorConfig,
	Infer,
	Rule,
	SanitizeOptions,
	SanitizeResult,
	Schema,
	SchemaLiteral,
	SchemaObject,
	SchemaTypeName,
	ValidationError,
	ValidationErrorKind,
	ValidationResult,
} from "./core/DataValidator";
