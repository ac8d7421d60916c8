/**
 * Experience secrets for specs (test/runtime/engine/Secrets): what HttpService:GetSecret finds, and the
 * content a Secret stands for, which game code can never read.
 */
type RawSecrets = {
	set(this: void, key: string, content?: string): void;
	reveal(this: void, secret: Secret): string;
};

const secrets = () => __runtime.Secrets as unknown as RawSecrets;

/** Sets the secret `key` for every server of the world (undefined removes it). */
export function setSecret(key: string, content?: string): void {
	secrets().set(key, content);
}

/** The content `secret` would put into an HTTP request (specs only). */
export function revealSecret(secret: Secret): string {
	return secrets().reveal(secret);
}
