/**
 * The checks every fuzz request goes through: it answered (no reset), not with a 5xx, no markup
 * echoed unescaped, no redirect off the site, and — when refused — nothing stored. "Stored" is a
 * digest of the rows this test's users and markers can reach (so other specs writing at the same
 * time do not count), compared before and after each request.
 */
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import type { TestInfo } from '@playwright/test';
import { executeRows, type Db } from '../../src/lib/server/db';
import { send, type Sent } from './route-tree';
import { UNESCAPED } from './fuzz-payloads';

/** What a test may have written: its users (by id or marker) and rows carrying its marker. */
export interface Scope {
	/** 4 letters: clinic refs 'FZ<tag>-…', names 'Fuzz <tag> …', emails 'fz-<tag>-…'. */
	tag: string;
	userIds: Set<string>;
	patientIds: Set<string>;
	/** Count every condition and adverse event category, not only the marked ones (the tests that add them). */
	allConditions?: boolean;
}

export function newScope(): Scope {
	const tag = Array.from({ length: 4 }, () => 'abcdefghjkmnpqrstuvwxyz'[Math.floor(Math.random() * 23)]).join('');
	return { tag, userIds: new Set(), patientIds: new Set() };
}

const list = (ids: Set<string>) => [...ids].join(',');

/** One digest per table (row count and an md5 of the rows), limited to the scope. */
export async function fingerprint(db: Db, scope: Scope): Promise<Record<string, string>> {
	const t = scope.tag;
	const [row] = await executeRows(
		db,
		sql`with
			u as (select id from users where id = any(string_to_array(${list(scope.userIds)}, ',')::uuid[]) or email like ${`fz-${t}-%`} or name like ${`Fuzz ${t}%`}),
			p as (select id from patients where id = any(string_to_array(${list(scope.patientIds)}, ',')::uuid[]) or clinic_ref ilike ${`FZ${t}-%`} or name like ${`Fuzz ${t}%`}),
			v as (select id from visits where patient_id in (select id from p)),
			r as (select id from responses where visit_id in (select id from v)),
			i as (select id from imports where created_by in (select id from u))
		select
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from users x where x.id in (select id from u)) as users,
			(select count(*)::text from sessions x where x.user_id in (select id from u)) as sessions,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from api_tokens x where x.user_id in (select id from u)) as api_tokens,
			(select count(*) || ' ' || coalesce(max(x.id), 0) from audit_log x where x.actor_id in (select id from u)
				-- Reads are audited, refused ones too (a cohort query, an export preview or refusal): not stored input.
				and not ((x.entity = 'cohort' and x.action = 'query') or (x.entity = 'report' and x.action = 'view') or (x.entity = 'export' and x.action in ('preview', 'refused')))) as audit_log,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from analysis_plan_versions x where x.created_by in (select id from u) or x.locked_by in (select id from u)) as analysis_plan_versions,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from reference_effects x where x.created_by in (select id from u)) as reference_effects,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from patients x where x.id in (select id from p)) as patients,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from visits x where x.id in (select id from v)) as visits,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from responses x where x.id in (select id from r)) as responses,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.response_id, x.scale)), '') from response_scores x where x.response_id in (select id from r)) as response_scores,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from self_report_links x where x.visit_id in (select id from v)) as self_report_links,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.link_id, x.instrument_id)), '') from self_report_answers x where x.link_id in (select id from self_report_links where visit_id in (select id from v))) as self_report_answers,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.code)), '') from conditions x where ${scope.allConditions ?? false} or x.label like ${`Fuzz ${t}%`}) as conditions,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from follow_up_schedules x where x.condition_code in (select code from conditions where ${scope.allConditions ?? false} or label like ${`Fuzz ${t}%`})) as follow_up_schedules,
			(select count(*)::text from follow_up_schedule_points x where x.condition_code in (select code from conditions where ${scope.allConditions ?? false} or label like ${`Fuzz ${t}%`})) as follow_up_schedule_points,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.code)), '') from ae_categories x where ${scope.allConditions ?? false} or x.label like ${`Fuzz ${t}%`}) as ae_categories,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from adverse_events x where x.patient_id in (select id from p)) as adverse_events,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from flare_episodes x where x.patient_id in (select id from p)) as flare_episodes,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.id)), '') from imports x where x.id in (select id from i)) as imports,
			(select count(*)::text from import_chunks x where x.import_id in (select id from i)) as import_chunks,
			(select count(*)::text from import_issues x where x.import_id in (select id from i)) as import_issues,
			(select count(*) || ' ' || coalesce(md5(string_agg(x::text, '|' order by x.header_key)), '') from import_column_memory x where x.updated_by in (select id from u)) as import_column_memory`
	);
	return row as Record<string, string>;
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
	return Object.keys(after).filter((k) => before[k] !== after[k]).map((k) => `${k} ${before[k]?.split(' ')[0]}→${after[k]?.split(' ')[0]}`);
}

export interface Request {
	method: string;
	/** Path and query, with the ids filled in. */
	url: string;
	headers?: Record<string, string>;
	body?: string | Buffer;
	cookie?: string;
	chunked?: boolean;
	/** What the case varies, for the report: 'field name: payload label', 'body: JSON', … */
	label: string;
}

export interface Finding {
	target: string;
	label: string;
	method: string;
	url: string;
	contentType?: string;
	bodyBytes: number;
	status: number;
	requestId: string | null;
	problems: string[];
	answer: string;
}

export interface Checked {
	sent: Sent;
	/** Whatever the server did, it did it: the caller refreshes its target (versions moved on). */
	accepted: boolean;
}

/** One action's or endpoint's fuzz run: sends, checks, keeps count. */
export class FuzzRun {
	readonly findings: Finding[] = [];
	readonly statuses = new Map<number, number>();
	requests = 0;
	accepted = 0;
	/** HTML answers that showed an XSS payload back, escaped (so the echo check had something to check). */
	escapedEchoes = 0;
	private fp: Record<string, string> | undefined;
	private readonly started = Date.now();

	constructor(
		readonly target: string,
		private readonly db: Db,
		readonly scope: Scope,
		private readonly baseURL: string,
		/** Each request is written here before it is sent, so a hang shows which one it was. */
		private readonly tracePath?: string
	) {}

	/** Call after changing the data on purpose (a new target), so that it does not count as stored. */
	forget() {
		this.fp = undefined;
	}

	async exec(req: Request, opts: { acceptedIf?: (sent: Sent) => boolean; expectStatus?: number[]; problems?: (sent: Sent) => string[] } = {}): Promise<Checked> {
		this.fp ??= await fingerprint(this.db, this.scope);
		if (this.tracePath) fs.appendFileSync(this.tracePath, `${new Date().toISOString()} ${req.method} ${req.url.slice(0, 200)} [${req.label}]\n`);
		const sent = await send(this.baseURL, req.url, { method: req.method, headers: req.headers, body: req.body, cookie: req.cookie, timeoutMs: 15_000, chunked: req.chunked });
		if (this.tracePath) fs.appendFileSync(this.tracePath, `  → ${sent.status} ${sent.ms} ms ${sent.headers.get('x-request-id') ?? ''}\n`);
		const after = await fingerprint(this.db, this.scope);
		const problems: string[] = [];
		// Node refuses a request line and headers over 16 KiB with 431 and closes the connection at
		// once; a client still sending its long URL may see the reset before the 431. Either is fine.
		const overHeaderLimit = Buffer.byteLength(req.url) > 16 * 1024 && (sent.status === 431 || /ECONNRESET|EPIPE/.test(sent.error ?? ''));
		if (overHeaderLimit) sent.status = 431;
		else if (sent.error) problems.push(`no answer: ${sent.error}`);
		else if (sent.status >= 500) problems.push(`status ${sent.status}`);
		if (opts.expectStatus && !sent.error && !opts.expectStatus.includes(sent.status)) problems.push(`status ${sent.status}, expected ${opts.expectStatus.join('/')}`);
		const type = sent.headers.get('content-type') ?? '';
		if (type.includes('html')) {
			const unescaped = UNESCAPED.filter((raw) => sent.body.includes(raw));
			for (const raw of unescaped) problems.push(`HTML echoes ${raw} unescaped`);
			if (unescaped.length === 0 && sent.body.includes('alert(1)')) this.escapedEchoes++;
		}
		const location = sent.headers.get('location');
		if (location !== null && (!location.startsWith('/') || location.startsWith('//') || location.startsWith('/\\'))) {
			problems.push(`redirects off the site: ${location.slice(0, 120)}`);
		}
		if (sent.ms > 10_000) problems.push(`slow: ${sent.ms} ms`);
		problems.push(...(opts.problems?.(sent) ?? []));
		const accepted = !sent.error && !overHeaderLimit && (opts.acceptedIf ? opts.acceptedIf(sent) : sent.status < 400);
		const changed = changedTables(this.fp, after);
		if (!accepted && changed.length > 0) problems.push(`refused (${sent.status}) but stored: ${changed.join(', ')}`);
		this.fp = after;
		this.requests++;
		if (accepted) this.accepted++;
		this.statuses.set(sent.status, (this.statuses.get(sent.status) ?? 0) + 1);
		if (problems.length > 0) {
			this.findings.push({
				target: this.target,
				label: req.label,
				method: req.method,
				url: req.url.length > 300 ? `${req.url.slice(0, 300)}… (${req.url.length} chars)` : req.url,
				contentType: req.headers?.['content-type'],
				bodyBytes: req.body === undefined ? 0 : Buffer.byteLength(req.body),
				status: sent.status,
				requestId: sent.headers.get('x-request-id'),
				problems,
				answer: (sent.error ?? sent.body).slice(0, 300)
			});
		}
		if (sent.error && !overHeaderLimit && !(await this.alive())) {
			throw new Error(`The server stopped answering (no /healthz within 5 s) after: ${describeFinding(this.findings.at(-1)!)}`);
		}
		return { sent, accepted };
	}

	private async alive(): Promise<boolean> {
		const health = await send(this.baseURL, '/healthz', { timeoutMs: 5000 });
		return health.status === 200;
	}

	/** Attaches the counts and findings, for the report. */
	async report(testInfo: TestInfo) {
		const summary = {
			target: this.target,
			requests: this.requests,
			accepted: this.accepted,
			escapedEchoes: this.escapedEchoes,
			statuses: Object.fromEntries([...this.statuses].sort(([a], [b]) => a - b)),
			seconds: (Date.now() - this.started) / 1000,
			findings: this.findings
		};
		const file = testInfo.outputPath(`fuzz-summary-${this.target.replace(/[^\w]+/g, '-')}.json`);
		fs.writeFileSync(file, JSON.stringify(summary, null, 1));
		await testInfo.attach(`fuzz ${this.target}`, { path: file, contentType: 'application/json' });
		return summary;
	}
}

/** A finding as one line for an assertion message. */
export function describeFinding(f: Finding): string {
	return `${f.method} ${f.url.slice(0, 160)} [${f.label}] → ${f.status} ${f.requestId ?? ''}: ${f.problems.join('; ')}`;
}
