/** Plain HTTP with node:http: no redirects followed, and a failed connection keeps its code. */
import http from 'node:http';

export interface Answer {
	/** 0 when no HTTP answer came (see `error`). */
	status: number;
	location: string | null;
	/** Set-Cookie headers of the answer. */
	setCookie: string[];
	body: string;
	/** Node's error code when the request failed below HTTP (ECONNREFUSED, ECONNRESET, …). */
	error: string | null;
	ms: number;
}

/** One request; never throws. `agent: false` opens a new connection for it. */
export function request(
	url: string,
	opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent | false; timeoutMs?: number } = {}
): Promise<Answer> {
	const t = performance.now();
	return new Promise((resolve) => {
		const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
		const req = http.request(
			url,
			{
				method: opts.method ?? 'GET',
				headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...opts.headers },
				agent: opts.agent,
				timeout: opts.timeoutMs ?? 30_000
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						location: (res.headers.location as string | undefined) ?? null,
						setCookie: res.headers['set-cookie'] ?? [],
						body: Buffer.concat(chunks).toString('utf8'),
						error: null,
						ms: performance.now() - t
					})
				);
				res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, location: null, setCookie: [], body: '', error: err.code ?? err.message, ms: performance.now() - t }));
			}
		);
		req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
		req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, location: null, setCookie: [], body: '', error: err.code ?? err.message, ms: performance.now() - t }));
		req.end(body);
	});
}

/** A form POST as a browser without JavaScript sends it (same origin, HTML wanted). */
export function postForm(base: string, pathname: string, form: URLSearchParams, cookie: string | null, agent?: http.Agent | false): Promise<Answer> {
	return request(`${base}${pathname}`, {
		method: 'POST',
		headers: {
			origin: base,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded',
			...(cookie ? { cookie } : {})
		},
		body: form.toString(),
		agent
	});
}

export function getPage(base: string, pathname: string, cookie: string | null, agent?: http.Agent | false): Promise<Answer> {
	return request(`${base}${pathname}`, { headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) }, agent, timeoutMs: 15_000 });
}
