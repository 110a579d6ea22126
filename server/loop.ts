/** Lets the event loop run (heartbeats, other requests) between slices of long synchronous work. */
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
