/**
 * Two app processes on one PostgreSQL database, as behind a load balancer: the first-admin
 * set-up raced from both, a session made by signing in on one used (and ended) on the other, and
 * failed sign-ins counted across both.
 */
import postgres from 'postgres';
import { PASSWORD, tally, type Report, type Scenario } from './harness';
import { connectionsTo, dropDatabase, freshDatabase } from './pg';
import { startServer, type Server } from './server';
import { getPage, postForm, type Answer } from './http';
import { fixtures } from './fixtures';
import { SESSION_COOKIE } from '../../src/lib/server/auth/session';

const DB = 'outcome_tracker_rel_two';
const SETUP_RACERS = 12;
const ACCOUNT_MAX = 5;
const BURST = 20;

/** The sign-in form's action as the page renders it (`?/password`, or '' for a default action). */
async function loginAction(base: string): Promise<string> {
	const page = await getPage(base, '/login', null);
	for (const form of page.body.match(/<form\b[\s\S]*?<\/form>/g) ?? []) {
		if (!/name="password"/.test(form)) continue;
		const action = /<form\b[^>]*\baction="([^"]*)"/.exec(form)?.[1] ?? '';
		return `/login${action.replace(/&amp;/g, '&')}`;
	}
	throw new Error(`no sign-in form on /login (status ${page.status})`);
}

function sessionCookie(a: Answer): string | null {
	const raw = a.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
	const value = raw?.split(';')[0];
	return value && value !== `${SESSION_COOKIE}=` ? value : null;
}

export const twoProcesses: Scenario = {
	name: 'two-processes',
	title: 'Two app processes against one PostgreSQL',
	async run(report: Report) {
		const url = await freshDatabase(DB);
		const servers: Server[] = [];
		let fx: Awaited<ReturnType<typeof fixtures>> | null = null;
		try {
			// Address throttling off (every request comes from 127.0.0.1): the account count is under test.
			const env = { DATABASE_URL: url, LOGIN_THROTTLE_ACCOUNT_MAX: String(ACCOUNT_MAX), LOGIN_THROTTLE_ADDRESS_MAX: '100000' };
			servers.push(await startServer('two-A', env), await startServer('two-B', env));
			const [a, b] = servers as [Server, Server];
			let requests = 0;

			// ---- first-admin set-up, raced from both processes --------------------------------
			const racers = await Promise.all(
				Array.from({ length: SETUP_RACERS }, (_, i) => {
					const server = i % 2 === 0 ? a : b;
					const form = new URLSearchParams({ name: `Admin ${i}`, email: `admin${i}@rel.test`, password: PASSWORD, confirm: PASSWORD });
					return postForm(server.base, '/setup', form, null, false);
				})
			);
			requests += racers.length;
			const created = racers.filter((r) => r.status === 303 && r.location !== '/login').length;
			const sql = postgres(url, { max: 1, onnotice: () => {} });
			const [counts] = await sql`select (select count(*) from users)::int as users, (select count(*) from instance_setup)::int as setups,
				(select count(*) from audit_log where action = 'setup')::int as audits`;
			await sql.end();
			report.counts.setupAttempts = SETUP_RACERS;
			report.counts.setupStatuses = JSON.stringify(tally(racers, (r) => `${r.status || r.error}${r.location ? `→${r.location}` : ''}`));
			report.check(
				'first-admin set-up raced from both processes: exactly one administrator',
				created === 1 && counts!.users === 1 && counts!.setups === 1 && counts!.audits === 1 && racers.every((r) => r.status > 0 && r.status < 500),
				`${SETUP_RACERS} concurrent set-ups (half on each): ${created} accepted; users ${counts!.users}, instance_setup rows ${counts!.setups}, setup audit rows ${counts!.audits}; answers ${report.counts.setupStatuses}`
			);

			// ---- a session made on A works on B; signing out on B ends it on A ------------------
			fx = await fixtures(url);
			const clinician = await fx.user('clinician', 'two');
			const signIn = async (server: Server, email: string, password: string) => {
				requests += 2;
				const action = await loginAction(server.base);
				return postForm(server.base, action, new URLSearchParams({ email, password, next: '/patients' }), null, false);
			};
			const signedIn = await signIn(a, clinician.email, PASSWORD);
			const cookie = sessionCookie(signedIn);
			const onB = cookie ? await getPage(b.base, '/patients', cookie, false) : null;
			report.check(
				'a session made by signing in on A works on B',
				signedIn.status === 303 && cookie !== null && onB?.status === 200,
				`sign-in on A: ${signedIn.status}→${signedIn.location}; /patients on B: ${onB?.status ?? 'no cookie'}`
			);
			const signedOut = cookie ? await postForm(b.base, '/logout', new URLSearchParams(), cookie, false) : null;
			const afterOnA = cookie ? await getPage(a.base, '/patients', cookie, false) : null;
			requests += 3;
			report.check(
				'signing out on B ends the session on A',
				signedOut?.status === 303 && afterOnA?.status === 303 && (afterOnA.location ?? '').startsWith('/login'),
				`sign-out on B: ${signedOut?.status}; /patients on A afterwards: ${afterOnA?.status}→${afterOnA?.location}`
			);

			// ---- failed sign-ins count across both ---------------------------------------------
			const target = await fx.user('clinician', 'throttle');
			const attempts: { server: string; status: number }[] = [];
			for (let i = 0; i < ACCOUNT_MAX; i++) {
				const server = i % 2 === 0 ? a : b;
				const r = await signIn(server, target.email, 'wrong password, not this one');
				attempts.push({ server: server.name, status: r.status });
			}
			const refusedOnA = await signIn(a, target.email, PASSWORD);
			const refusedOnB = await signIn(b, target.email, PASSWORD);
			report.counts.throttleAttempts = attempts.length + 2;
			report.check(
				`after ${ACCOUNT_MAX} failures split over A and B, sign-in is refused on both (even with the right password)`,
				attempts.every((x) => x.status === 400) && refusedOnA.status === 429 && refusedOnB.status === 429,
				`failures ${attempts.map((x) => `${x.server}:${x.status}`).join(' ')}; then A ${refusedOnA.status}, B ${refusedOnB.status}`
			);

			// ---- the same, all at once -----------------------------------------------------------
			const burstTarget = await fx.user('clinician', 'burst');
			const burst = await Promise.all(Array.from({ length: BURST }, (_, i) => signIn(i % 2 === 0 ? a : b, burstTarget.email, 'wrong password, not this one either')));
			const evaluated = burst.filter((r) => r.status === 400).length;
			report.counts.burstAttempts = BURST;
			report.counts.requests = requests;
			report.counts.burstPasswordChecks = evaluated;
			report.check(
				`${BURST} simultaneous wrong passwords (half on each process): at most ${ACCOUNT_MAX} are checked`,
				evaluated <= ACCOUNT_MAX && burst.every((r) => r.status === 400 || r.status === 429),
				`${evaluated} checked (400), ${burst.filter((r) => r.status === 429).length} refused (429); answers ${JSON.stringify(tally(burst, (r) => String(r.status || r.error)))}`
			);
		} finally {
			for (const s of servers) {
				const stopped = await s.stop();
				report.check(`server ${s.name} stopped cleanly`, stopped.code === 0 && !stopped.killed, `exit ${stopped.code ?? stopped.signal} in ${stopped.ms} ms`);
			}
			await fx?.database.close();
		}
		const left = await connectionsTo(DB);
		report.check('no connections left on the scenario database', left === 0, `${left} open`);
		if (report.checks.every((c) => c.ok)) await dropDatabase(DB);
	}
};
