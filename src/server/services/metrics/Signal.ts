/** What {@link Signal.Connect} returns. */
export interface SignalConnection {
	/** Stops the listener; calling it again does nothing. */
	Disconnect(): void;
	readonly Connected: boolean;
}

/**
 * A Roblox-style signal without an Instance: `Connect(listener)`, and `Fire(value)` calls every listener
 * in a thread of its own (`task.spawn`), so a listener that yields (an HTTP post) or errors delays or
 * breaks no other listener and not the code that fired. The value is passed as is, not copied as a
 * BindableEvent would.
 *
 * @example
 * ```ts
 * const changed = new Signal<string>();
 * const connection = changed.Connect((status) => print(status));
 * changed.Fire("degraded");
 * connection.Disconnect();
 * ```
 */
export class Signal<A> {
	private readonly listeners = new Set<(value: A) => void>();

	/** Calls `listener` at every later `Fire`, until the returned connection is disconnected. */
	Connect(listener: (value: A) => void): SignalConnection {
		if (!typeIs(listener, "function")) {
			error(`[DataService] Connect needs a function, got ${typeOf(listener)}`, 2);
		}
		// A wrapper per connection: one function connected twice is two connections, like RBXScriptSignal.
		const wrapper = (value: A) => listener(value);
		this.listeners.add(wrapper);
		const listeners = this.listeners;
		const connection = {
			Connected: true,
			Disconnect() {
				connection.Connected = false;
				listeners.delete(wrapper);
			},
		};
		return connection;
	}

	/** Calls every connected listener with `value`, each in its own thread. */
	Fire(value: A): void {
		for (const listener of [...this.listeners]) task.spawn(listener, value);
	}

	/** How many listeners are connected. */
	listenerCount(): number {
		return this.listeners.size();
	}

	/** Disconnects every listener. */
	DisconnectAll(): void {
		this.listeners.clear();
	}
}
