/**
 * Measures the CSV import on a synthetic file: upload (stored in parts), dry run and commit, with
 * rows/s and the process's peak RSS sampled every 50 ms. Uses DATABASE_URL (PostgreSQL) or the
 * embedded database in DATA_DIR (stop the app first). Writes to that database: use a scratch one.
 *
 *   npm run bench:import -- --rows 100000
 * (run with `node --expose-gc` for peaks measured from a collected heap)
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { settings } from '../src/lib/server/config';
import { connect, disconnect } from '../src/lib/server/db';
import { commitImport, dryRun, getImport, saveMapping, uploadImport } from '../src/lib/server/import';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, 'dry-run-only': { type: 'boolean', default: false } } });
const ROWS = Number(values.rows);
if (!Number.isInteger(ROWS) || ROWS < 1) throw new Error('--rows must be a positive whole number');

const HEADER = ['clinic_ref', 'name', 'date_of_birth', 'sex', 'condition', 'visit_date', 'visit_kind', 'acupuncture_sessions', 'flare', 'note',
	...Array.from({ length: 9 }, (_, i) => `fss9__${i + 1}`), 'pain_nrs__pain', ...Array.from({ length: 5 }, (_, i) => `who5__${i + 1}`)];
const run = Date.now().toString(36);

/** Twelve visits per patient, two weeks apart, from 2020; answers drift down with a little noise. */
function* lines(): Generator<string> {
	yield HEADER.join(',') + '\r\n';
	for (let i = 0; i < ROWS; i++) {
		const patient = Math.floor(i / 12);
		const k = i % 12;
		const day = new Date(Date.UTC(2020, 0, 6) + (patient % 300) * 86_400_000 + k * 14 * 86_400_000).toISOString().slice(0, 10);
		const level = Math.max(1, 6 - Math.floor(k / 3) - (i % 2));
		yield [
			`B${run}-${patient}`, `Bench Patient ${patient}`, '1970-01-01', patient % 3 ? 'female' : 'male', 'rheumatoid_arthritis', day,
			k === 0 ? 'baseline' : 'treatment', k === 0 ? 0 : 2, 'no', k % 5 === 0 ? '"note, with a comma"' : '',
			...Array.from({ length: 9 }, () => level), Math.min(10, level + 2), ...Array.from({ length: 5 }, () => 5 - Math.min(5, level - 1))
		].join(',') + '\r\n';
	}
}

async function* chunks(): AsyncGenerator<Uint8Array> {
	const encoder = new TextEncoder();
	let buffer = '';
	for (const line of lines()) {
		buffer += line;
		if (buffer.length >= 64 * 1024) {
			yield encoder.encode(buffer);
			buffer = '';
		}
	}
	if (buffer) yield encoder.encode(buffer);
}

let peak = 0;
let heapPeak = 0;
const sampler = setInterval(() => {
	const m = process.memoryUsage();
	peak = Math.max(peak, m.rss);
	heapPeak = Math.max(heapPeak, m.heapUsed);
}, 50);
const mb = (n: number) => Math.round(n / 1024 / 1024);

async function timed<T>(label: string, f: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number; heapPeakMb: number }> {
	global.gc?.();
	peak = process.memoryUsage().rss;
	heapPeak = process.memoryUsage().heapUsed;
	const started = performance.now();
	const result = await f();
	const seconds = (performance.now() - started) / 1000;
	peak = Math.max(peak, process.memoryUsage().rss);
	process.stderr.write(`${label}: ${seconds.toFixed(1)} s, peak RSS ${mb(peak)} MB, peak heap ${mb(heapPeak)} MB\n`);
	return { result, seconds, peakMb: mb(peak), heapPeakMb: mb(heapPeak) };
}

const database = await connect(settings());
const db = database.db;
const actor = { id: null, requestId: `bench-import-${process.pid}` };
const baseline = mb(process.memoryUsage().rss);

const upload = await timed('upload', () => uploadImport(db, actor, `bench-${ROWS}.csv`, chunks()));
if (!upload.result.ok) throw new Error(upload.result.message);
const id = upload.result.id;
const imp = (await getImport(db, id))!;
const mapped = await saveMapping(db, actor, id, imp.mapping!, 'iso');
if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
let ticks = 0;
const dry = await timed('dry run', () => dryRun(db, actor, id, () => ticks++));
if (!dry.result.ok || dry.result.summary.rejected > 0) throw new Error(JSON.stringify(dry.result));
global.gc?.();
const heapAfterDryRunMb = mb(process.memoryUsage().heapUsed);
const commit = !values['dry-run-only'] ? await timed('commit', () => commitImport(db, actor, id)) : null;
if (commit && !commit.result.ok) throw new Error(commit.result.message);
clearInterval(sampler);

const report = {
	driver: database.driver,
	rows: ROWS,
	fileMb: +(imp.byteSize / 1024 / 1024).toFixed(1),
	rssBeforeMb: baseline,
	upload: { seconds: +upload.seconds.toFixed(2), peakRssMb: upload.peakMb },
	dryRun: { seconds: +dry.seconds.toFixed(2), rowsPerSecond: Math.round(ROWS / dry.seconds), peakRssMb: dry.peakMb, peakHeapMb: dry.heapPeakMb, heapAfterMb: heapAfterDryRunMb, progressEvents: ticks },
	commit: commit && { seconds: +commit.seconds.toFixed(2), rowsPerSecond: Math.round(ROWS / commit.seconds), peakRssMb: commit.peakMb, peakHeapMb: commit.heapPeakMb },
	summary: dry.result.ok ? dry.result.summary : null
};
console.log(JSON.stringify(report, null, 2));
await db.execute(sql`select 1`);
await disconnect();
