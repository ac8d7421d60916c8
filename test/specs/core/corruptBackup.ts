import type { BackupRing } from "shared/core/backup/BackupRing";
import type { DataAccessLayer } from "shared/core/DataAccessLayer";

/**
 * Rewrites one stored backup's payload through the DataAccessLayer (a valid envelope around bad data).
 * By default the new payload is well-formed Zstd of other data, so only the SHA-256 can tell; `payload`
 * replaces it with any text (garbage that does not even decode).
 * @example corruptBackup(dal, "DataService.Backups", 20, ids[2]);
 */
export function corruptBackup(
	dal: DataAccessLayer,
	store: string,
	playerId: number,
	backupId: string,
	payload?: string,
): void {
	const EncodingService = game.GetService("EncodingService");
	const other =
		payload ??
		buffer.tostring(
			EncodingService.Base64Encode(
				EncodingService.CompressBuffer(buffer.fromstring('{"coins":-1}'), Enum.CompressionAlgorithm.Zstd),
			),
		);
	dal.update<BackupRing>({ store, key: tostring(playerId) }, (current) => ({
		v: 1,
		e: current!.e.map((e) => (e.i === backupId ? { ...e, z: other } : e)),
	})).expect();
}
