// The part of autocannon 9's API the load scenario uses (the package ships no types).
declare module 'autocannon' {
	interface Request {
		method?: string;
		path?: string;
		body?: string;
		headers?: Record<string, string>;
		setupRequest?: (request: Record<string, unknown>, context: Record<string, unknown>) => Record<string, unknown> | null;
		onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
	}
	interface Options {
		url: string;
		connections?: number;
		duration?: number;
		headers?: Record<string, string>;
		requests?: Request[];
	}
	interface Result {
		requests: { total: number; sent: number; average: number };
		latency: { p50: number; p99: number; average: number; max: number };
		errors: number;
		timeouts: number;
		non2xx: number;
		statusCodeStats?: Record<string, { count: number }>;
	}
	function autocannon(options: Options): Promise<Result>;
	export default autocannon;
}
