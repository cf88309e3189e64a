/**
 * A deterministic synthetic cohort for demos and benchmarks. Each patient has a latent severity
 * that improves with treatment (differently per condition) plus noise; item answers are drawn
 * from it and scored by the real scoring module. Some items are left blank, some visits voided,
 * some flares reported, and patients drop out. No users are created. With the embedded database,
 * stop the app first (PGlite allows one process).
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { settings } from '../src/lib/server/config';
import { connect, disconnect } from '../src/lib/server/db';
import { patients, responses, responseScores, visits } from '../src/lib/server/db/schema';
import { appendAudit } from '../src/lib/server/audit';
import { bulkInsert } from '../src/lib/server/db/bulk';
import { rebuildRollups } from '../src/lib/server/cohort/rollup';
import { scoreResponse } from '../src/lib/instruments';
import { bringKeysUpToDate } from '../src/lib/server/keys-at-start';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' }, sites: { type: 'string', default: '1' } } });
const N = Number(values.patients);
const SITES = Math.max(1, Number(values.sites));
if (!Number.isInteger(N) || N < 1) throw new Error('--patients must be a positive whole number');

// mulberry32: small, fast, deterministic.
let state = Number(values.seed) >>> 0 || 1;
function random() {
	state = (state + 0x6d2b79f5) >>> 0;
	let t = state;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

// Clinic-like mix and how much each condition improves over treatment (0 = none).
const CONDITIONS: [string, number, number][] = [
	['rheumatoid_arthritis', 0.24, 0.35],
	['multiple_sclerosis', 0.2, 0.3],
	['sle', 0.12, 0.2],
	['crohns', 0.1, 0.25],
	['ulcerative_colitis', 0.08, 0.2],
	['hashimoto', 0.1, 0.1],
	['psoriatic_arthritis', 0.06, 0.3],
	['sjogren', 0.05, 0.05],
	['other', 0.05, 0.15]
];
function condition(): [string, number] {
	let r = random();
	for (const [code, share, effect] of CONDITIONS) if ((r -= share) <= 0) return [code, effect];
	return ['other', 0.15];
}

/** Item answers from severity s in 0..1 (1 = worst), with noise and the odd blank item. */
function answersFor(instrument: string, s: number): Record<string, number | null> {
	const level = (lo: number, hi: number, worseHigh = true) => {
		const x = clamp((worseHigh ? s : 1 - s) + normal() * 0.12, 0, 1);
		return Math.round(lo + x * (hi - lo));
	};
	const blank = () => random() < 0.01;
	switch (instrument) {
		case 'fss9':
			return Object.fromEntries(Array.from({ length: 9 }, (_, i) => [String(i + 1), level(1, 7)]));
		case 'pain_nrs':
			return { pain: level(0, 10) };
		case 'who5':
			return Object.fromEntries(Array.from({ length: 5 }, (_, i) => [String(i + 1), level(0, 5, false)]));
		case 'rand36': {
			const maxes = [5, 5, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 5, 6, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5];
			// Precodes run in either direction; RAND recodes them, so a plain level is realistic enough.
			return Object.fromEntries(maxes.map((max, i) => [String(i + 1), blank() ? null : level(1, max, i % 2 === 0)]));
		}
		default:
			throw new Error(instrument);
	}
}

const INSTRUMENTS = ['fss9', 'pain_nrs', 'who5', 'rand36'];

async function main() {
	const database = await connect(settings());
	await bringKeysUpToDate(database.db, settings());
	const db = database.db;
	const started = Date.now();
	const baseDay = Date.parse('2023-01-02T00:00:00Z');
	let visitCount = 0;
	let responseCount = 0;
	let patientCount = 0;
	const BATCH = 1000;
	// PostgreSQL spends the time (per-row index and key checks); a second connection loading the
	// next batch while one commits keeps both cores busy. PGlite has one connection.
	const lanes = database.driver === 'postgres' ? 2 : 1;
	const inFlight = new Set<Promise<void>>();
	for (let from = 0; from < N; from += BATCH) {
		const pRows: (typeof patients.$inferInsert)[] = [];
		const vRows: (typeof visits.$inferInsert)[] = [];
		const rRows: (typeof responses.$inferInsert)[] = [];
		const sRows: (typeof responseScores.$inferInsert)[] = [];
		for (let i = from; i < Math.min(N, from + BATCH); i++) {
			const [code, effect] = condition();
			const age = Math.round(clamp(48 + normal() * 13, 18, 88));
			const enrolled = baseDay + Math.floor(random() * 600) * 86_400_000;
			const id = randomUUID();
			const site = (i % SITES) + 1;
			pRows.push({
				id,
				clinicRef: `S${site}-${String(i + 1).padStart(6, '0')}`,
				name: `Synthetic Patient ${i + 1}`,
				dateOfBirth: new Date(enrolled - age * 365.25 * 86_400_000).toISOString().slice(0, 10),
				sex: random() < 0.72 ? 'female' : random() < 0.95 ? 'male' : 'other',
				conditionCode: code,
				enrolledOn: new Date(enrolled).toISOString().slice(0, 10)
			});
			const visitsHere = 1 + Math.floor(random() * 24);
			const baseline = clamp(0.55 + normal() * 0.15, 0.1, 0.95);
			let day = enrolled;
			for (let k = 0; k < visitsHere; k++) {
				const visitId = randomUUID();
				const progress = Math.min(k / 8, 1);
				const s = clamp(baseline * (1 - effect * progress) + normal() * 0.05, 0, 1);
				const voided = random() < 0.01;
				vRows.push({
					id: visitId,
					patientId: id,
					visitDate: new Date(day).toISOString().slice(0, 10),
					kind: k === 0 ? 'baseline' : k === visitsHere - 1 && visitsHere > 4 ? 'follow_up' : 'treatment',
					acupunctureSessions: k === 0 ? 0 : 1 + Math.floor(random() * 3),
					flare: random() < 0.08 ? 'yes' : random() < 0.8 ? 'no' : 'unknown',
					voided,
					voidReason: voided ? 'entered in error (synthetic)' : null
				});
				for (const instrument of INSTRUMENTS) {
					if (instrument === 'rand36' && k % 4 !== 0) continue;
					const answers = answersFor(instrument, s);
					const scored = scoreResponse(instrument, answers);
					if (!scored.ok) continue;
					const responseId = randomUUID();
					rRows.push({ id: responseId, visitId, instrumentId: instrument, instrumentVersion: instrument === 'rand36' ? '1.0' : 'seed', scoringVersion: `${instrument}-1`, answers });
					for (const [scale, value] of Object.entries(scored.scores)) sRows.push({ responseId, instrumentId: instrument, scale, value });
				}
				// At least a day apart: one live visit per patient per date (a 0-day step is a 4.7 SD draw, but
				// 200,000 patients take millions of draws).
				day += Math.max(1, 14 + Math.round(normal() * 3)) * 86_400_000;
				if (day > Date.now() - 86_400_000) break;
			}
		}
		// Generation stays in order (the cohort depends only on --seed); batches commit in any order.
		if (inFlight.size >= lanes) {
			// A failed batch stops the seed once the other one has finished too (no half-sent batch).
			await Promise.race(inFlight).catch(async (err) => {
				await Promise.allSettled(inFlight);
				throw err;
			});
		}
		const load: Promise<void> = db
			.transaction(async (tx) => {
				await bulkInsert(tx, patients, pRows);
				await bulkInsert(tx, visits, vRows);
				await bulkInsert(tx, responses, rRows);
				await bulkInsert(tx, responseScores, sRows, 10_000);
			})
			.then(() => {
				inFlight.delete(load);
				patientCount += pRows.length;
				visitCount += vRows.length;
				responseCount += rRows.length;
				process.stdout.write(`\rSeeded ${patientCount} / ${N} patients (${visitCount} visits, ${responseCount} responses)`);
			});
		inFlight.add(load);
	}
	await Promise.all(inFlight);
	await db.transaction((tx) =>
		appendAudit(tx, { actorId: null, action: 'seed', entity: 'database', entityId: 'synthetic', after: { patients: N, visits: visitCount, responses: responseCount, seed: values.seed, sites: SITES }, requestId: `seed-${process.pid}` })
	);
	await db.execute(sql`analyze`);
	process.stdout.write('\nBuilding the cohort rollup…');
	await rebuildRollups(db);
	const seconds = (Date.now() - started) / 1000;
	console.log(`\nDone in ${seconds.toFixed(1)} s on ${database.driver}.`);
	await disconnect();
}

await main();
