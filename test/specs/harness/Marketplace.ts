/**
 * Developer product purchases for specs: there is no user to answer a prompt in the headless runtime, so a
 * spec completes a purchase itself and reads what the emulated backend holds (test/runtime/engine/Marketplace).
 */
type RawMarketplace = {
	purchase(this: void, player: Player, productId: number, options?: { price?: number }): string;
	unresolved(this: void, userId: number): Array<string>;
	calls(this: void): Array<ReceiptCall>;
};

/** One ProcessReceipt call that returned: the purchase, the server it ran on, and its decision's name. */
export interface ReceiptCall {
	purchaseId: string;
	jobId: string;
	/** "PurchaseGranted", "NotProcessedYet", "nil" or "error". */
	decision: string;
}

const marketplace = () => __runtime.Marketplace as unknown as RawMarketplace;

/**
 * Completes a purchase of developer product `productId` by `player` (in a running server): the purchase is
 * unresolved until a ProcessReceipt call returns PurchaseGranted. Returns its PurchaseId.
 * @example const id = purchaseProduct(player, 1001, 99);
 */
export function purchaseProduct(player: Player, productId: number, price?: number): string {
	return marketplace().purchase(player, productId, { price });
}

/** The PurchaseIds of the user's unresolved purchases, oldest first. */
export function unresolvedPurchases(userId: number): Array<string> {
	return marketplace().unresolved(userId);
}

/** Every ProcessReceipt call that returned since the world was reset, in order. */
export function receiptCalls(): Array<ReceiptCall> {
	return marketplace().calls();
}
