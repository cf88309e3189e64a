/**
 * `npm run seed -- --patients N [--seed S] [--sites K]`: a deterministic synthetic cohort
 * (./seed-cohort.ts), then the cohort rollup. With the embedded database, stop the app first
 * (PGlite allows one process).
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { settings } from '../src/lib/server/config';
import { connect, disconnect } from '../src/lib/server/db';
import { rebuildRollups } from '../src/lib/server/cohort/rollup';
import { bringKeysUpToDate } from '../src/lib/server/keys-at-start';
import { seedCohort } from './seed-cohort';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, sites: { type: 'string', default: '1' } } });
const N = Number(values.patients);
if (!Number.isInteger(N) || N < 1) throw new Error('--patients must be a positive whole number');

async function main() {
	const database = await connect(settings());
	await bringKeysUpToDate(database.db, settings());
	const started = Date.now();
	const counts = await seedCohort(database, {
		patients: N,
		seed: Number(values.seed) >>> 0 || 1,
		sites: Math.max(1, Number(values.sites)),
		onProgress: (c) => process.stdout.write(`\rSeeded ${c.patients} / ${N} patients (${c.visits} visits, ${c.responses} responses)`)
	});
	process.stdout.write(`\n${counts.adverseEvents} adverse events, ${counts.flareEpisodes} flare episodes.`);
	await database.db.execute(sql`analyze`);
	process.stdout.write('\nBuilding the cohort rollup…');
	await rebuildRollups(database.db);
	const seconds = (Date.now() - started) / 1000;
	console.log(`\nDone in ${seconds.toFixed(1)} s on ${database.driver}.`);
	await disconnect();
}

await main();
