/**
 * `npm run bench:ui -- --patients N` (default 2000): the browser's side, in Chromium with the CPU
 * slowed four times (CDP Emulation.setCPUThrottlingRate, `--throttle`):
 *   - cohort: from changing the instrument (FSS-9 → WHO-5 and back, every condition: small
 *     multiples) to every panel redrawn (each chart's canvas marks itself drawn);
 *   - patient page: from navigation to its summary table visible, and to the page hydrated;
 *   - JavaScript per page, gzipped, before the page runs (scripts/page-weight.ts), for every route;
 *   - patient pages (/r/[token], /kiosk; issue 21): the JavaScript the browser actually downloads,
 *     each script gzipped here, and from an answer (a choice clicked, then Next) to the next
 *     question shown (the frame after it is no longer hidden), for every question of Pain NRS and
 *     WHO-5 with placeholder wording (INSTRUMENT_WORDING_FILE, default the e2e's file).
 * Seeds a fresh PostgreSQL database (BENCH_UI_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/outcome_tracker_ui_bench; dropped and re-created, or reused
 * with --skip-seed) and starts the built app (`npm run build` first). Prints medians with min–max
 * and writes JSON (--json FILE, default ui-bench-results.json). Targets (issue 22): cohort switch
 * < 300 ms, patient page < 1 s, JavaScript < 110 KB per page; issue 21: patient pages < 60 KB of
 * JavaScript, next question < 100 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { executeRows, openDatabase } from '../src/lib/server/db';
import { createUser } from '../src/lib/server/users';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../src/lib/server/auth/session';
import { createPatient } from '../src/lib/server/patients';
import { recordVisit } from '../src/lib/server/visits';
import { createSelfReport, setKiosk } from '../src/lib/server/selfreport';
import { gzipSync } from 'node:zlib';
import { pageWeight } from './page-weight';

process.env.AUDIT_SECRET ??= 'bench-audit-secret-bench-audit-secret-0123';
// Read by this script (the forms a self-report may offer) and by the server it starts.
process.env.INSTRUMENT_WORDING_FILE ??= path.resolve('tests/e2e/self-report-wording.json');

const { values } = parseArgs({
	options: {
		patients: { type: 'string', default: '2000' },
		runs: { type: 'string', default: '7' },
		throttle: { type: 'string', default: '4' },
		json: { type: 'string', default: 'ui-bench-results.json' },
		'skip-seed': { type: 'boolean', default: false }
	}
});
const N = Number(values.patients);
const RUNS = Math.max(3, Number(values.runs));
const THROTTLE = Number(values.throttle);
const root = process.cwd();
const url = process.env.BENCH_UI_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/outcome_tracker_ui_bench';
const log = (...a: unknown[]) => console.error('[bench:ui]', ...a);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (xs: number[]) => ({ median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)), runs: xs.map(Math.round) });

if (!fs.existsSync(path.join(root, 'build', 'index.js'))) throw new Error('No build/: run `npm run build` first.');

// ---- JavaScript per page: every route of this build ------------------------------------------
const app = fs.readFileSync(path.join(root, '.svelte-kit/generated/client-optimized/app.js'), 'utf8');
const routeIds = [...app.matchAll(/^\s*"(\/[^"]*)": \[/gm)].map((m) => m[1]!);
const weights = Object.fromEntries(
	routeIds.map((id) => {
		const w = pageWeight(root, id);
		return [id, { eagerKB: Math.round((w.eagerBytes / 1024) * 10) / 10, lazyKB: Math.round((w.lazyBytes / 1024) * 10) / 10 }];
	})
);

// ---- database, users, server -----------------------------------------------------------------
if (!values['skip-seed']) {
	const admin = postgres(url.replace(/\/[^/]*$/, '/postgres'), { max: 1, onnotice: () => {} });
	const name = new URL(url).pathname.slice(1);
	await admin.unsafe(`drop database if exists "${name}" with (force)`);
	await admin.unsafe(`create database "${name}"`);
	await admin.end();
	log(`Seeding ${N} patients…`);
	const seeded = spawnSync(process.execPath, [path.join(root, 'scripts', 'seed.js'), '--patients', String(N), '--seed', '1'], { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'inherit', 'inherit'] });
	if (seeded.status !== 0) throw new Error('seeding failed');
}
const database = await openDatabase({ url, max: 2 });
const tag = Date.now().toString(36);
async function sessionFor(role: 'researcher' | 'clinician', who: string = role) {
	const r = await createUser(database.db, { id: null }, { email: `ui-bench-${who}-${tag}@clinic.test`, name: `UI bench ${who}`, role, password: 'a long enough passphrase' });
	if (!r.ok) throw new Error(r.message);
	const token = generateSessionToken();
	const session = await createSession(database.db, token, r.value, { idleMinutes: 600, maxHours: 12 });
	return { token, userId: r.value, sessionId: session.id };
}
const researcherToken = (await sessionFor('researcher')).token;
const clinician = await sessionFor('clinician');
const clinicianToken = clinician.token;
// Patient pages: a visit of a patient of the bench's own, a link and a tablet session (a second
// clinician session, in patient mode) for Pain NRS and WHO-5: six questions each.
const SELF_REPORT = ['pain_nrs', 'who5'];
async function selfReportPages() {
	const actor = { id: clinician.userId };
	const p = await createPatient(database.db, actor, { clinicRef: `UIB-${tag}`, name: `UI bench ${tag}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'sle', enrolledOn: '2020-01-01' });
	if (!p.ok) throw new Error(p.message);
	const v = await recordVisit(database.db, actor, p.value, { visitDate: '2020-02-01', kind: 'follow_up', acupunctureSessions: 0, note: null }, []);
	if (!v.ok) throw new Error(v.message);
	const link = await createSelfReport(database.db, actor, v.value, 'link', SELF_REPORT, 24);
	const tablet = await createSelfReport(database.db, actor, v.value, 'tablet', SELF_REPORT);
	if (!link.ok || !tablet.ok) throw new Error('self-report refused: is the wording loaded?');
	const kiosk = await sessionFor('clinician', 'tablet');
	await setKiosk(database.db, kiosk.sessionId, tablet.id);
	return { linkPath: `/r/${link.token}`, kioskToken: kiosk.token };
}
const selfReport = await selfReportPages();
// The patient with the most visits: the longest summary and the most charts.
const [busiest] = await executeRows(database.db, sql`select patient_id as id, count(*) as n from visits where not voided group by patient_id order by count(*) desc, patient_id limit 1`);
if (!busiest) throw new Error('no visits: seed first');
await database.close();

const PORT = 4800 + Math.floor(Math.random() * 150);
const base = `http://127.0.0.1:${PORT}`;
const server = spawn(process.execPath, [path.join(root, 'build', 'index.js')], {
	env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), HOST: '127.0.0.1', ORIGIN: base, NODE_ENV: 'production', EXPORT_SECRET: randomBytes(32).toString('hex'), MFA_ENCRYPTION_KEY: 'bench-mfa-key-bench-mfa-key-bench-mfa-0123', AUDIT_ANCHOR_FILE: path.join(os.tmpdir(), `outcome-ui-bench-anchors-${process.pid}.log`) },
	stdio: ['ignore', 'ignore', 'inherit']
});
process.on('exit', () => server.kill());
for (let i = 0; ; i++) {
	try {
		if ((await fetch(`${base}/healthz`)).ok) break;
	} catch {
		/* not up yet */
	}
	if (i > 600) throw new Error('server did not start');
	await new Promise((r) => setTimeout(r, 100));
}

// ---- the browser -------------------------------------------------------------------------------
const executablePath = process.env.CHROMIUM_PATH || (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
async function pageAs(token: string | null, viewport = { width: 1280, height: 800 }) {
	const context = await browser.newContext({ viewport });
	if (token) await context.addCookies([{ name: SESSION_COOKIE, value: token, url: base }]);
	// tsx compiles the functions passed to page.evaluate with esbuild's keepNames helper (__name).
	await context.addInitScript({ content: 'window.__name = (f) => f;' });
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
	return page;
}

// Cohort: the time is taken in the page, from the change event to the frame after every panel of
// the new instrument marked itself drawn.
const cohort = await pageAs(researcherToken);
await cohort.goto(`${base}/cohort?instrument=fss9&scale=mean`);
await cohort.locator('html[data-hydrated]').waitFor({ state: 'attached' });
await cohort.locator('section[aria-labelledby="trend-title"] canvas[data-drawn]').first().waitFor();
const panels = await cohort.locator('section[aria-labelledby="trend-title"] canvas').count();
const cohortTimes: number[] = [];
const cohortServerTimes: number[] = [];
for (let i = 0; i < RUNS + 1; i++) {
	const to = i % 2 === 0 ? 'who5' : 'fss9';
	const ms = await cohort.evaluate(
		(to) =>
			new Promise<{ total: number; server: number }>((resolve, reject) => {
				const select = document.querySelector<HTMLSelectElement>('select[name="instrument"]')!;
				for (const c of document.querySelectorAll('section[aria-labelledby="trend-title"] canvas')) c.removeAttribute('data-drawn');
				const start = performance.now();
				const until = start + 30_000;
				const poll = () => {
					const canvases = [...document.querySelectorAll('section[aria-labelledby="trend-title"] canvas')];
					const switched = new URL(location.href).searchParams.get('instrument') === to;
					if (switched && canvases.length > 0 && canvases.every((c) => c.hasAttribute('data-drawn'))) {
						// The server's part: the data requests made since the change (load and any redirect).
						const server = performance
							.getEntriesByType('resource')
							.filter((e) => e.name.includes('__data.json') && e.startTime >= start)
							.reduce((t, e) => t + (e as PerformanceResourceTiming).responseEnd - e.startTime, 0);
						requestAnimationFrame(() => resolve({ total: performance.now() - start, server }));
					} else if (performance.now() > until) reject(new Error('the chart was not redrawn in 30 s'));
					else requestAnimationFrame(poll);
				};
				select.value = to;
				select.dispatchEvent(new Event('change', { bubbles: true }));
				requestAnimationFrame(poll);
			}),
		to
	);
	// The first switch loads WHO-5's code paths: warm-up.
	if (i > 0) {
		cohortTimes.push(ms.total);
		cohortServerTimes.push(ms.server);
	}
}

// Patient page: from navigation (a fresh load, cache kept) to the summary table visible, and to hydration.
const patient = await pageAs(clinicianToken);
const patientUrl = `${base}/patients/${busiest.id}`;
await patient.goto(patientUrl);
const summaryTimes: number[] = [];
const hydratedTimes: number[] = [];
const firstByteTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
	await patient.goto('about:blank');
	const start = Date.now();
	await patient.goto(patientUrl, { waitUntil: 'commit' });
	await patient.locator('table.summary').waitFor({ state: 'visible' });
	summaryTimes.push(Date.now() - start);
	firstByteTimes.push(await patient.evaluate('performance.getEntriesByType("navigation")[0].responseStart'));
	await patient.locator('html[data-hydrated]').waitFor({ state: 'attached' });
	hydratedTimes.push(Date.now() - start);
}

// Patient pages, on a phone-sized screen: the scripts downloaded (each gzipped at level 9, as
// page-weight does, whatever the server sent), then each question's answer to the next one shown.
async function patientPage(path: string, token: string | null) {
	const page = await pageAs(token, { width: 360, height: 740 });
	const scripts = new Map<string, Promise<Buffer>>();
	page.on('response', (r) => {
		if (r.request().resourceType() === 'script' || r.url().endsWith('.js')) scripts.set(r.url(), r.body());
	});
	await page.goto(`${base}${path}`);
	await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
	await page.waitForLoadState('networkidle');
	const bodies = await Promise.all(scripts.values());
	const sizes = [...scripts.keys()].map((u, i) => [new URL(u).pathname, gzipSync(bodies[i]!, { level: 9 }).length] as const);
	const gzipped = sizes.reduce((t, [, n]) => t + n, 0);
	const steps = await page.locator('fieldset.question').count();
	const times: number[] = [];
	for (let i = 0; i < steps; i++) {
		const ms = await page.evaluate(
			(i) =>
				new Promise<number>((resolve, reject) => {
					const questions = [...document.querySelectorAll<HTMLFieldSetElement>('fieldset.question')];
					const here = questions[i]!;
					const choice = here.querySelector<HTMLInputElement>('input[type="radio"]');
					const next = [...here.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Next')!;
					const shown = () => (i + 1 < questions.length ? !questions[i + 1]!.hidden : !document.querySelector<HTMLElement>('section.review')!.hidden);
					const start = performance.now();
					const until = start + 10_000;
					if (choice) choice.click();
					else {
						const input = here.querySelector<HTMLInputElement>('input')!;
						input.value = '5';
						input.dispatchEvent(new Event('input', { bubbles: true }));
					}
					next.click();
					const poll = () => {
						if (shown()) requestAnimationFrame(() => resolve(performance.now() - start));
						else if (performance.now() > until) reject(new Error('the next question did not show in 10 s'));
						else requestAnimationFrame(poll);
					};
					requestAnimationFrame(poll);
				}),
			i
		);
		times.push(ms);
	}
	await page.context().close();
	return { scripts: bodies.length, scriptBytes: Object.fromEntries(sizes), javascriptKB: Math.round((gzipped / 1024) * 10) / 10, questions: steps, nextQuestion: summary(times) };
}
const patientPages = { link: await patientPage(selfReport.linkPath, null), kiosk: await patientPage('/kiosk', selfReport.kioskToken) };

await browser.close();
server.kill();

const results = {
	date: new Date().toISOString(),
	patients: N,
	cpuThrottling: THROTTLE,
	cohortSwitch: { panels, ...summary(cohortTimes), dataRequests: summary(cohortServerTimes) },
	patientPage: { visits: Number(busiest.n), summaryVisible: summary(summaryTimes), firstByte: summary(firstByteTimes), hydrated: summary(hydratedTimes) },
	patientPages,
	javascriptKB: weights
};
fs.writeFileSync(values.json!, JSON.stringify(results, null, '\t'));
const heaviest = Object.entries(weights).sort((a, b) => b[1].eagerKB - a[1].eagerKB);
console.log(`UI at ${THROTTLE}× CPU slowdown, ${N} patients (${RUNS} runs, median and min–max):`);
console.log(`  cohort instrument switch → ${panels} panel(s) redrawn: ${results.cohortSwitch.median} ms (${results.cohortSwitch.min}–${results.cohortSwitch.max}), of which the data request ${results.cohortSwitch.dataRequests.median} ms   target < 300 ms`);
console.log(`  patient page (${busiest.n} visits) → summary visible: ${results.patientPage.summaryVisible.median} ms (${results.patientPage.summaryVisible.min}–${results.patientPage.summaryVisible.max}); first byte ${results.patientPage.firstByte.median} ms; hydrated: ${results.patientPage.hydrated.median} ms   target < 1000 ms`);
for (const [name, r] of Object.entries(patientPages)) {
	const route = name === 'link' ? '/r/[token]' : '/kiosk';
	console.log(`  patient page ${route} (360 px wide): ${r.javascriptKB} KB of JavaScript downloaded, gzipped, in ${r.scripts} scripts   target < 60 KB`);
	console.log(`    answer → next question shown (${r.questions} questions): ${r.nextQuestion.median} ms (${r.nextQuestion.min}–${r.nextQuestion.max})   target < 100 ms`);
}
console.log('  JavaScript before the page runs, gzipped (lazy chunks apart), heaviest first:');
for (const [id, w] of heaviest) console.log(`    ${id.padEnd(48)} ${String(w.eagerKB).padStart(6)} KB   lazy ${w.lazyKB} KB${w.eagerKB > 110 ? '   OVER 110 KB' : ''}`);
