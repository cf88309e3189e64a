/** From SIGTERM/SIGINT on: answers say Connection: close and /healthz says 503. */
let draining = false;
export const isDraining = () => draining;
export function watchForShutdown(): void {
	for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (draining = true));
}
