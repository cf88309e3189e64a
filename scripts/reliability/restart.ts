/**
 * PostgreSQL stopped and started again while clinicians keep saving visits: /healthz says 503
 * meanwhile, pages and form actions answer 503 with a plain message, the app recovers without a
 * restart, and every save is either stored whole or was reported as failed.
 */
import http from 'node:http';
import { round, saysDatabaseUnavailable, sleep, tally, type Report, type Scenario } from './harness';
import { connectionsTo, dropDatabase, ensurePgUp, freshDatabase, markPgDown, pgCtl } from './pg';
import { startServer, type Server } from './server';
import { getPage, postForm, request } from './http';
import { fixtures } from './fixtures';
import { integrity, nextVisitDate, reconcile, visitForm } from './visits';

const DB = 'outcome_tracker_rel_restart';
const WRITERS = 4;
const DOWN_MS = 3000;

type Phase = 'before' | 'stopping' | 'down' | 'starting' | 'after';
interface Outcome {
	note: string;
	saved: boolean;
	status: number;
	error: string | null;
	startPhase: Phase;
	endPhase: Phase;
	unavailableMessage: boolean;
	/** ms since the scenario's start, when the answer came */
	at: number;
}
interface Probe {
	phase: Phase;
	endPhase: Phase;
	at: number;
	health: number;
	page: number;
	pageMessage: boolean;
}

export const restart: Scenario = {
	name: 'restart',
	title: 'PostgreSQL restarted while the app is serving',
	async run(report: Report) {
		const url = await freshDatabase(DB);
		const fx = await fixtures(url);
		let server: Server | null = null;
		let pgStopped = false;
		try {
			const clinician = await fx.user('clinician', 'restart');
			const cookie = await fx.cookie(clinician.id);
			const patients = await fx.patients(clinician.id, 40, 'restart');
			server = await startServer('restart', { DATABASE_URL: url });
			const base = server.base;
			let phase: Phase = 'before';
			const outcomes: Outcome[] = [];
			const probes: Probe[] = [];
			let stop = false;
			let n = 0;
			const t0 = performance.now();

			const save = async (note: string, patient: string, agent: http.Agent | false) => {
				const startPhase = phase;
				const a = await postForm(base, `/patients/${patient}/visits/new`, visitForm(note, nextVisitDate(patient)), cookie, agent);
				const o = { note, saved: a.status === 303, status: a.status, error: a.error, startPhase, endPhase: phase, unavailableMessage: saysDatabaseUnavailable(a.body), at: performance.now() - t0 };
				outcomes.push(o);
				return o;
			};
			const writers = Array.from({ length: WRITERS }, async () => {
				const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
				while (!stop) {
					const i = n++;
					const o = await save(`restart-${i}`, patients[i % patients.length]!, agent);
					if (!o.saved) await sleep(50);
				}
				agent.destroy();
			});
			const prober = (async () => {
				while (!stop) {
					const p = phase;
					const [h, page] = await Promise.all([request(`${base}/healthz`, { agent: false, timeoutMs: 5000 }), getPage(base, '/patients', cookie, false)]);
					probes.push({ phase: p, endPhase: phase, at: performance.now() - t0, health: h.status, page: page.status, pageMessage: saysDatabaseUnavailable(page.body) });
					await sleep(200);
				}
			})();

			await sleep(3000);
			phase = 'stopping';
			markPgDown(true);
			pgStopped = true;
			const stopAt = performance.now();
			const stopped = await pgCtl('stop');
			phase = 'down';
			const downAt = performance.now();
			// One of each while it is down: a page, a form action (a save that must not be stored).
			const downHealth = await request(`${base}/healthz`, { agent: false, timeoutMs: 10_000 });
			const downPage = await getPage(base, `/patients/${patients[0]}`, cookie, false);
			const downAction = await save('restart-while-down', patients[0]!, false);
			await sleep(Math.max(0, DOWN_MS - (performance.now() - downAt)));
			phase = 'starting';
			const startAt = performance.now();
			const started = await pgCtl('start');
			markPgDown(false);
			pgStopped = !started.ok;
			const upAt = performance.now();
			phase = 'after';
			const downSeconds = round((upAt - stopAt) / 1000, 1);

			// Recovery, timed from `pg_ctlcluster start` (which returns once PostgreSQL accepts
			// connections): /healthz 200 again and a save stored, with no restart of the app.
			let healthyAfterMs: number | null = null;
			let savedAfterMs: number | null = null;
			const since = startAt - t0;
			const until = performance.now() + 20_000;
			while (performance.now() < until && (healthyAfterMs === null || savedAfterMs === null)) {
				const h = probes.find((p) => p.at > since && p.health === 200);
				if (h) healthyAfterMs = Math.round(h.at - since);
				const w = outcomes.find((o) => o.at > since && o.saved && o.startPhase !== 'before');
				if (w) savedAfterMs = Math.round(w.at - since);
				await sleep(100);
			}
			await sleep(4000);
			stop = true;
			await Promise.all([...writers, prober]);
			// The same process throughout: it never exited, so it was never restarted.
			const samePid = server.alive();

			const during = (o: Outcome) => ['stopping', 'down'].includes(o.startPhase) || ['stopping', 'down'].includes(o.endPhase);
			const downProbes = probes.filter((p) => p.phase === 'down' && p.endPhase === 'down');
			const outageSaves = outcomes.filter((o) => during(o) && !o.saved);
			const all500 = outcomes.filter((o) => o.status === 500).length + probes.filter((p) => p.page === 500 || p.health === 500).length + (downPage.status === 500 ? 1 : 0);
			// Throughput before the outage and after recovery (a pool left half-broken shows here).
			const rate = (from: number, to: number) => round(outcomes.filter((o) => o.saved && o.at >= from && o.at < to).length / ((to - from) / 1000), 1);
			const lastAt = Math.max(...outcomes.map((o) => o.at));
			const savesPerSecondBefore = rate(0, stopAt - t0);
			const savesPerSecondAfter = rate(startAt - t0 + (savedAfterMs ?? 0) + 1000, lastAt);
			report.counts = {
				requests: outcomes.length + probes.length * 2 + 2,
				saves: outcomes.length,
				savesOk: outcomes.filter((o) => o.saved).length,
				savesFailed: outcomes.filter((o) => !o.saved).length,
				saveStatuses: JSON.stringify(tally(outcomes, (o) => (o.status ? String(o.status) : String(o.error)))),
				healthProbes: probes.length,
				healthProbesWhileDown: downProbes.length,
				downSeconds,
				pgStopMs: stopped.ms,
				pgStartMs: started.ms,
				healthyAfterMs,
				savedAfterMs,
				http500: all500,
				savesPerSecondBefore,
				savesPerSecondAfter,
				failedAfterRecovery: outcomes.filter((o) => !o.saved && savedAfterMs !== null && o.at > startAt - t0 + savedAfterMs + 1000).length
			};
			report.check('PostgreSQL stopped and started again', stopped.ok && started.ok, `stop ${stopped.ms} ms, start ${started.ms} ms${stopped.ok && started.ok ? '' : `: ${stopped.output} ${started.output}`}`);
			report.check(
				'/healthz answered 503 while the database was down',
				downHealth.status === 503 && downProbes.every((p) => p.health === 503),
				`${downProbes.filter((p) => p.health === 503).length + (downHealth.status === 503 ? 1 : 0)} of ${downProbes.length + 1} asked while down said 503 (${Math.round(downHealth.ms)} ms): ${JSON.stringify(tally(downProbes, (p) => String(p.health)))}`
			);
			report.check(
				'/healthz back to 200 by itself within 2 s of PostgreSQL being up, same app process',
				healthyAfterMs !== null && healthyAfterMs <= started.ms + 2000 && samePid,
				`${healthyAfterMs ?? '—'} ms after \`pg_ctlcluster start\` began (it took ${started.ms} ms); server process ${samePid ? `still ${server.pid}` : 'gone'}`
			);
			report.check(
				'a page answered 503 with the plain message while down',
				downPage.status === 503 && saysDatabaseUnavailable(downPage.body),
				`GET patient page: ${downPage.status || downPage.error}, ${saysDatabaseUnavailable(downPage.body) ? 'says the database is unavailable' : `body: ${downPage.body.slice(0, 160).replace(/\s+/g, ' ')}`}`
			);
			report.check(
				'the visit form action answered 503 with the plain message while down',
				downAction.status === 503 && downAction.unavailableMessage,
				`POST visit: ${downAction.status || downAction.error}${downAction.unavailableMessage ? ', says the database is unavailable' : ''}`
			);
			const downPageProbes = downProbes.filter((p) => p.page === 503 && p.pageMessage).length;
			report.check(
				'every page and save during the outage got 503 + message (no 500, no hang)',
				all500 === 0 && downPageProbes === downProbes.length && outageSaves.every((o) => o.status === 503 && o.unavailableMessage),
				`pages ${downPageProbes}/${downProbes.length} (and the one above), saves ${outageSaves.filter((o) => o.status === 503 && o.unavailableMessage).length}/${outageSaves.length} (${JSON.stringify(tally(outageSaves, (o) => String(o.status || o.error)))}); HTTP 500 seen: ${all500}`
			);
			report.check(
				'saves succeed again after the restart, and none fails once one has',
				savedAfterMs !== null && savedAfterMs <= started.ms + 2000 && report.counts.failedAfterRecovery === 0,
				`first stored save ${savedAfterMs ?? '—'} ms after \`pg_ctlcluster start\` began; ${report.counts.failedAfterRecovery} failed more than 1 s after it`
			);

			const r = await reconcile(fx.database.db, outcomes);
			Object.assign(report.counts, { recordsLost: r.lost, failedButStored: r.failedButStored, partialVisits: r.partial });
			report.check('every save reported as saved is stored whole (records lost = 0)', r.lost === 0 && r.succeededWhole === r.succeeded, `${r.succeededWhole} of ${r.succeeded} stored whole; lost ${r.lost}`);
			report.check(
				'every save reported as failed is absent, or stored whole (no half-written visit)',
				r.failedAbsent + r.failedButStored === r.failed && r.partial === 0 && r.unexplained === 0,
				`${r.failed} failed: ${r.failedAbsent} absent, ${r.failedButStored} committed although reported failed (ambiguous); partial visits ${r.partial}; unexplained ${r.unexplained}`
			);
			if (r.failedButStored > 0) report.note(`${r.failedButStored} save(s) committed although the client was told it failed: the connection died between COMMIT and the reply. The 503 message tells the user to check before re-entering.`);
			const i = await integrity(fx.database.db);
			report.check('audit chain intact and cohort rollup equal to the raw tables', i.chainIntact && i.rollupAgrees, `${i.auditRows} audit rows verified; rollup ${i.rollupAgrees ? 'agrees' : 'DIFFERS'}`);
			const unexpected = server
				.output()
				.split('\n')
				.filter((l) => /Something went wrong|Error:/.test(l) && !/database unavailable|Folding the cohort rollup failed/.test(l));
			report.counts.serverLogLinesUnavailable = server.output().split('\n').filter((l) => /database unavailable/.test(l)).length;
			if (unexpected.length) report.note(`server log lines other than "database unavailable": ${unexpected.slice(0, 3).join(' | ')}`);
		} finally {
			if (pgStopped) await ensurePgUp();
			const stopped = await server?.stop();
			await fx.database.close();
			if (stopped) report.check('server stopped cleanly on SIGTERM afterwards', stopped.code === 0 && !stopped.killed, `exit ${stopped.code ?? stopped.signal} in ${stopped.ms} ms`);
		}
		const left = await connectionsTo(DB);
		report.check('no connections left on the scenario database', left === 0, `${left} open`);
		if (report.checks.every((c) => c.ok)) await dropDatabase(DB);
	}
};
