/**
 * Micro-benchmark of the visit save (recordVisit: visit, two questionnaires, rollup, audit rows)
 * on a scratch database, without HTTP: the cost of the save's own statements. It creates its own
 * user and patients and writes SAVES visits, one at a time and then CONCURRENCY at a time.
 *
 *   DATABASE_URL=postgres://…/scratch npx tsx scripts/visit-save-bench.ts --saves 2000
 *   (without DATABASE_URL: an in-memory PGlite)
 *
 * It wipes nothing but writes rows: never point it at a database that matters.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/lib/server/db';
import { createPatient } from '../src/lib/server/patients';
import { createUser } from '../src/lib/server/users';
import { recordVisit } from '../src/lib/server/visits';

const { values } = parseArgs({ options: { saves: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' } } });
const SAVES = Number(values.saves);
const CONCURRENCY = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

const database = await openDatabase({ url: process.env.DATABASE_URL, max: CONCURRENCY + 1 });
const db = database.db;
const tag = Date.now().toString(36);
const user = await createUser(db, { id: null }, { email: `bench-${tag}@clinic.test`, name: 'Bench', role: 'clinician', password: 'a long enough passphrase' });
if (!user.ok) throw new Error(user.message);
const actor = { id: user.value, requestId: 'bench' };

async function newPatient(i: number): Promise<string> {
	const r = await createPatient(db, actor, { clinicRef: `VB-${tag}-${i}`, name: `Bench ${i}`, dateOfBirth: '1970-01-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '1990-01-01' });
	if (!r.ok) throw new Error(r.message);
	return r.value;
}

let day = 0;
/** A visit at the end of its patient's series (the common case), with two questionnaires. */
async function save(patientId: string): Promise<void> {
	const date = new Date(Date.UTC(1990, 0, 1) + day++ * 86_400_000).toISOString().slice(0, 10);
	const r = await recordVisit(db, actor, patientId, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [
		{ instrumentId: 'fss9', answers: Object.fromEntries(Array.from({ length: 9 }, (_, k) => [String(k + 1), 1 + (day % 7)])) },
		{ instrumentId: 'pain_nrs', answers: { pain: day % 11 } }
	]);
	if (!r.ok) throw new Error(r.message);
}

const patientsList = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => newPatient(i)));
// Warm up: prepared statements, caches.
for (let i = 0; i < 50; i++) await save(patientsList[0]!);

for (let round = 1; round <= ROUNDS; round++) {
	let t = performance.now();
	const cpu = process.cpuUsage();
	for (let i = 0; i < SAVES; i++) await save(patientsList[0]!);
	const serialMs = (performance.now() - t) / SAVES;
	const used = process.cpuUsage(cpu);
	const cpuMs = (used.user + used.system) / 1000 / SAVES;
	t = performance.now();
	// Each worker saves to its own patient (a patient's saves queue on its row lock by design).
	await Promise.all(patientsList.map(async (p) => {
		for (let i = 0; i < SAVES / CONCURRENCY; i++) await save(p);
	}));
	const parallelMs = (performance.now() - t) / SAVES;
	console.log(`round ${round} (${database.driver}): one at a time ${serialMs.toFixed(3)} ms/save (this process's CPU ${cpuMs.toFixed(3)} ms/save); ${CONCURRENCY} at a time ${parallelMs.toFixed(3)} ms/save (${Math.round(1000 / parallelMs)} saves/s)`);
}
await database.close();
