/** What a BackupManager counts (GetStatistics returns a copy). */
export interface BackupStatistics {
	/** Backups written to at least one copy. */
	backupsCreated: number;
	/** By kind. */
	automatic: number;
	manual: number;
	preUpdate: number;
	emergency: number;
	/** Compressed bytes (Base64 characters) of the backups created, counted once per copy written. */
	bytesWritten: number;
	/** JSON characters of the data those backups hold (once per backup), for the compression ratio. */
	rawBytes: number;
	/** Copies that could not be written (a backup with one copy failed counts one). */
	copyFailures: number;
	/** Backups that no copy could be written for. */
	failures: number;
	/** Copies found missing, unreadable or failing their checksum while restoring. */
	verificationFailures: number;
	/** Restores applied (dry runs not counted). */
	restores: number;
	dryRuns: number;
	/** Restores that found no verified backup or could not apply it. */
	restoreFailures: number;
	/** Writes (UpdateAsync) asked of the DataAccessLayer for backups and cleanup; its retries not counted. */
	writeRequests: number;
	/** Copies of earlier backups a staggered write carried to the store that lacked them. */
	catchUpCopies: number;
	/**
	 * Second copies not written of a player's last backup after they left: that backup holds the state their
	 * profile was released with, and every earlier backup is in both stores (see `automaticCopies`).
	 */
	finalCopiesSkipped: number;
}

/** Zeroed statistics. */
export function newBackupStatistics(): BackupStatistics {
	return {
		backupsCreated: 0,
		automatic: 0,
		manual: 0,
		preUpdate: 0,
		emergency: 0,
		bytesWritten: 0,
		rawBytes: 0,
		copyFailures: 0,
		failures: 0,
		verificationFailures: 0,
		restores: 0,
		dryRuns: 0,
		restoreFailures: 0,
		writeRequests: 0,
		catchUpCopies: 0,
		finalCopiesSkipped: 0,
	};
}
