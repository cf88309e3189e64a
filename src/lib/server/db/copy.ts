/**
 * `COPY … TO STDOUT` through postgres.js, read as an async sequence of buffers, leaving the
 * connection usable however the reading ends.
 *
 * postgres.js 3.4.9 pauses the connection's socket when a COPY row does not fit the stream's
 * buffer and resumes it only when the stream is next read. When the last rows and the end of the
 * COPY arrive in the same network read, the stream ends while the socket is still paused: the
 * connection goes back to the pool unable to read, and the next statement sent on it waits
 * forever (the backend shows it "active", blocked writing its answer). This is
 * porsager/postgres#499, fix proposed in #1016 (not released). It stalled the export's third
 * 10,000-patient batch at 200,000 patients, and could hang any later query on that connection.
 * So: the socket is resumed when the stream ends, and an abandoned COPY is cancelled and its
 * remaining rows drained (so the connection finishes the statement) rather than its stream
 * destroyed half-way.
 */
import type { Readable } from 'node:stream';

export interface CopyClient {
	unsafe(query: string): PromiseLike<unknown> & { readable(): Promise<Readable> };
}

/** The parts of a postgres.js query used to cancel it: its backend's key, once sent. */
interface CancellableQuery {
	state?: { pid: number; secret: number } | null;
	active: boolean;
	/** Sends a CancelRequest on a connection of its own (Query.cancel() drops this promise). */
	canceller?: ((q: unknown) => Promise<void>) | null;
}

/** How long an abandoned COPY may take to wind down before its connection is left to the pool's own timeouts. */
const DRAIN_MS = 10_000;

/**
 * The rows of `query` (a COPY … TO STDOUT), as postgres.js delivers them. Stopping early (the
 * consumer's `return`) cancels the statement with the protocol's CancelRequest on a connection of
 * its own (postgres.js's `cancel()` treats a streaming COPY as finished, so it is marked active
 * for the call), so a busy pool is no obstacle — unless the COPY's end has already arrived.
 */
export async function* copyOut(client: CopyClient, query: string): AsyncGenerator<Buffer> {
	const q = client.unsafe(query);
	const stream = await q.readable();
	// postgres.js's stream resumes the socket in its _read; nothing else does. (After the
	// connection closed there is no socket left to resume.)
	const resumeSocket = () => {
		try {
			(stream as unknown as { _read?: (n: number) => void })._read?.call(stream, 0);
		} catch {
			/* the connection is gone; the pool replaces it */
		}
	};
	// The COPY's end has been received: the statement is over and the connection may already be
	// serving another one, so there is nothing to cancel (a cancel would hit that one).
	const copyEnded = () => (stream as unknown as { _readableState?: { ended?: boolean } })._readableState?.ended === true;
	let finished = false;
	try {
		for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
		finished = true;
	} finally {
		if (!finished && !stream.destroyed) {
			// Read and drop whatever still comes, so the backend is never blocked writing to us,
			// cancel the statement, and wait for its end (or the error the cancel causes).
			const ended = new Promise<void>((resolve) => {
				stream.once('end', resolve);
				stream.once('close', resolve);
				// Kept for good: the cancel's error may come after we stop waiting.
				stream.on('error', () => resolve());
			});
			stream.resume();
			const handle = q as unknown as CancellableQuery;
			if (handle.state && handle.canceller && !copyEnded()) {
				const cancel = handle.canceller;
				handle.canceller = null;
				handle.active = true; // postgres.js cancels only an active query; a streaming COPY is not marked so
				await cancel(handle).catch((err) => console.error('Cancelling an abandoned COPY failed:', err));
			}
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
			clearTimeout(timer);
		}
		resumeSocket();
	}
}
