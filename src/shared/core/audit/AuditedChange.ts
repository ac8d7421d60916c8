/**
 * A change of player data as the audit trail reads it: structurally the write pipeline's PipelineChange
 * (src/server/services/data/pipeline/PipelineStage.ts), declared here so the shared core does not import
 * the server.
 */
export interface AuditedChange {
	readonly id: string;
	readonly kind: string;
	readonly sides: ReadonlyArray<{
		readonly playerId: number;
		readonly before: Readonly<object>;
		readonly after: Readonly<object>;
	}>;
	readonly context: Readonly<Record<string, unknown>>;
	readonly refusable: boolean;
}
