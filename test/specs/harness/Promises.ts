/** Promise helpers for specs. */

/** Waits for `promise`, which must reject, and returns what it rejected with (typed as `E`). */
export function rejection<E>(promise: Promise<unknown>): E {
	const [ok, err] = promise.await();
	if (ok) error("expected the promise to reject", 2);
	return err as E;
}
