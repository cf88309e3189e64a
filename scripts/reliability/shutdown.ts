/**
 * SIGTERM while 16 clinicians keep saving visits: the server stops accepting, finishes every
 * request it had started, closes the database and exits 0; no visit is half-written and every
 * save is either answered and stored, or refused before it started.
 */
import http from 'node:http';
import { round, sleep, tally, type Report, type Scenario } from './harness';
import { connectionsTo, dropDatabase, freshDatabase } from './pg';
import { startServer, type Server } from './server';
import { postForm } from './http';
import { fixtures } from './fixtures';
import { integrity, nextVisitDate, reconcile, visitForm } from './visits';

const DB = 'outcome_tracker_rel_shutdown';
const CONCURRENCY = 16;

interface Outcome {
	note: string;
	saved: boolean;
	status: number;
	error: string | null;
	/** ms relative to SIGTERM */
	start: number;
	end: number;
}

export const shutdown: Scenario = {
	name: 'shutdown',
	title: 'Graceful shutdown under load',
	async run(report: Report) {
		const url = await freshDatabase(DB);
		const fx = await fixtures(url);
		let server: Server | null = null;
		try {
			const clinician = await fx.user('clinician', 'shutdown');
			const cookie = await fx.cookie(clinician.id);
			const patients = await fx.patients(clinician.id, 40, 'shutdown');
			server = await startServer('shutdown', { DATABASE_URL: url });
			const base = server.base;
			let termAt = Infinity;
			const now = () => performance.now() - termAt;
			const outcomes: Outcome[] = [];
			let n = 0;
			let gone = false;
			const writers = Array.from({ length: CONCURRENCY }, async () => {
				// Browsers keep connections open: the hard case for a graceful stop.
				const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
				while (!gone) {
					const i = n++;
					const note = `shutdown-${i}`;
					const start = now();
					const a = await postForm(base, `/patients/${patients[i % patients.length]}/visits/new`, visitForm(note, nextVisitDate(patients[i % patients.length]!)), cookie, agent);
					outcomes.push({ note, saved: a.status === 303, status: a.status, error: a.error, start, end: now() });
					if (a.error === 'ECONNREFUSED') break;
				}
				agent.destroy();
			});
			await sleep(3000);
			termAt = performance.now();
			const stopping = server.stop('SIGTERM', 40_000);
			const exit = await stopping;
			// A little longer, so that every writer meets the closed port.
			await sleep(300);
			gone = true;
			await Promise.all(writers);

			const inFlight = outcomes.filter((o) => o.start < 0 && o.end >= 0);
			const afterTerm = outcomes.filter((o) => o.start >= 0);
			const served500 = outcomes.filter((o) => o.status >= 500).length;
			report.counts = {
				requests: outcomes.length,
				saved: outcomes.filter((o) => o.saved).length,
				inFlightAtSigterm: inFlight.length,
				inFlightAnswered: inFlight.filter((o) => o.saved).length,
				startedAfterSigterm: afterTerm.length,
				afterSigtermOutcomes: JSON.stringify(tally(afterTerm, (o) => String(o.status || o.error))),
				exitMs: exit.ms,
				lastAnswerMs: Math.round(Math.max(0, ...outcomes.filter((o) => o.status > 0).map((o) => o.end))),
				http5xx: served500
			};
			// adapter-node forces connections shut after SHUTDOWN_TIMEOUT (30 s); a graceful stop is one
			// that does not need it: clients told to close, the last request answered, the pool ended.
			report.check(
				'the server stopped taking requests and exited by itself (code 0) within 10 s',
				exit.code === 0 && !exit.killed && exit.ms < 10_000,
				`exit ${exit.code ?? exit.signal} ${round(exit.ms / 1000)} s after SIGTERM; ${afterTerm.filter((o) => o.saved).length} saves were still accepted and answered after SIGTERM, the last ${round(Math.max(0, ...afterTerm.filter((o) => o.status > 0).map((o) => o.end)) / 1000)} s after it`
			);
			report.check(
				'every save in flight at SIGTERM was finished and answered (303)',
				inFlight.length > 0 && inFlight.every((o) => o.saved),
				`${inFlight.filter((o) => o.saved).length} of ${inFlight.length}; others: ${JSON.stringify(tally(inFlight.filter((o) => !o.saved), (o) => String(o.status || o.error)))}`
			);
			report.check('no 5xx answers', served500 === 0, `${served500}`);

			const r = await reconcile(fx.database.db, outcomes);
			Object.assign(report.counts, { recordsLost: r.lost, failedButStored: r.failedButStored, partialVisits: r.partial });
			report.check('every answered save is stored whole (records lost = 0)', r.lost === 0, `${r.succeededWhole} of ${r.succeeded}`);
			report.check(
				'every refused save is absent; no half-written visit',
				r.failedAbsent === r.failed && r.partial === 0 && r.unexplained === 0,
				`${r.failed} refused (${JSON.stringify(tally(outcomes.filter((o) => !o.saved), (o) => String(o.status || o.error)))}): ${r.failedAbsent} absent, ${r.failedButStored} stored anyway; partial ${r.partial}`
			);
			const i = await integrity(fx.database.db);
			report.check('audit chain intact and cohort rollup equal to the raw tables', i.chainIntact && i.rollupAgrees, `${i.auditRows} audit rows`);
		} finally {
			await server?.stop('SIGKILL');
			await fx.database.close();
		}
		const left = await connectionsTo(DB);
		report.check('the server closed its database connections', left === 0, `${left} open`);
		if (report.checks.every((c) => c.ok)) await dropDatabase(DB);
	}
};
