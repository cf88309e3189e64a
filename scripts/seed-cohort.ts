/**
 * A deterministic synthetic cohort for demos and benchmarks. Each patient has a latent severity
 * that improves with treatment (differently per condition) plus noise; item answers are drawn
 * from it and scored by the real scoring module. Some items are left blank, some visits voided,
 * and patients drop out. Each patient also has a stress trait: PSS-10 and GAD-7 answers follow
 * it, and so do flare episodes between visits; adverse events follow treatment sessions at the
 * rates of ./seed-safety.ts. No users are created. Used by `npm run seed` (seed-cli.ts) and the
 * seed's integration test.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '../src/lib/server/db';
import { adverseEvents, flareEpisodes, patients, responses, responseScores, visits } from '../src/lib/server/db/schema';
import { appendAudit } from '../src/lib/server/audit';
import { bulkInsert } from '../src/lib/server/db/bulk';
import { scoreResponse } from '../src/lib/instruments';
import { aeAnswer, eventsAfterVisit, flareBetween, stressAnswers, visitStress, type Rng } from './seed-safety';

const DAY = 86_400_000;

/** mulberry32: small, fast, deterministic. */
export function makeRng(seed: number): Rng & { pick: <T>(xs: readonly T[]) => T } {
	let state = seed >>> 0 || 1;
	const random = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
	return { random, normal, pick: (xs) => xs[Math.floor(random() * xs.length)]! };
}
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

/** The instruments of every visit; RAND-36 every 4th visit, PSS-10 every 2nd, GAD-7 every 4th (from the 2nd). */
const INSTRUMENTS = ['fss9', 'pain_nrs', 'who5', 'rand36', 'pss10', 'gad7'] as const;
const asked = (instrument: (typeof INSTRUMENTS)[number], k: number) =>
	instrument === 'rand36' ? k % 4 === 0 : instrument === 'pss10' ? k % 2 === 0 : instrument === 'gad7' ? k % 4 === 1 : true;

export interface SeedOptions {
	patients: number;
	seed: number;
	sites: number;
	/** "Today": nothing is dated after the day before it. */
	now?: number;
	onProgress?: (done: { patients: number; visits: number; responses: number }) => void;
}

export interface SeedCounts {
	patients: number;
	visits: number;
	responses: number;
	adverseEvents: number;
	flareEpisodes: number;
}

export async function seedCohort(database: Database, o: SeedOptions): Promise<SeedCounts> {
	const db = database.db;
	const rng = makeRng(o.seed);
	const { random, normal } = rng;
	const now = o.now ?? Date.now();
	const today = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`);
	const condition = (): [string, number] => {
		let r = random();
		for (const [code, share, effect] of CONDITIONS) if ((r -= share) <= 0) return [code, effect];
		return ['other', 0.15];
	};
	/** Item answers from severity s in 0..1 (1 = worst), with noise and the odd blank item. */
	const answersFor = (instrument: string, s: number, stress: number): Record<string, number | null> => {
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
			case 'pss10':
			case 'gad7':
				return stressAnswers(rng, instrument, stress);
			default:
				throw new Error(instrument);
		}
	};

	const baseDay = Date.parse('2023-01-02T00:00:00Z');
	const counts: SeedCounts = { patients: 0, visits: 0, responses: 0, adverseEvents: 0, flareEpisodes: 0 };
	const BATCH = 1000;
	// PostgreSQL spends the time (per-row index and key checks); a second connection loading the
	// next batch while one commits keeps both cores busy. PGlite has one connection.
	const lanes = database.driver === 'postgres' ? 2 : 1;
	const inFlight = new Set<Promise<void>>();
	let nextAnalyze = BATCH;
	for (let from = 0; from < o.patients; from += BATCH) {
		const pRows: (typeof patients.$inferInsert)[] = [];
		const vRows: (typeof visits.$inferInsert)[] = [];
		const rRows: (typeof responses.$inferInsert)[] = [];
		const sRows: (typeof responseScores.$inferInsert)[] = [];
		const aRows: (typeof adverseEvents.$inferInsert)[] = [];
		const fRows: (typeof flareEpisodes.$inferInsert)[] = [];
		for (let i = from; i < Math.min(o.patients, from + BATCH); i++) {
			const [code, effect] = condition();
			const age = Math.round(clamp(48 + normal() * 13, 18, 88));
			const enrolled = baseDay + Math.floor(random() * 600) * DAY;
			const id = randomUUID();
			const site = (i % o.sites) + 1;
			pRows.push({
				id,
				clinicRef: `S${site}-${String(i + 1).padStart(6, '0')}`,
				name: `Synthetic Patient ${i + 1}`,
				dateOfBirth: new Date(enrolled - age * 365.25 * DAY).toISOString().slice(0, 10),
				sex: random() < 0.72 ? 'female' : random() < 0.95 ? 'male' : 'other',
				conditionCode: code,
				enrolledOn: new Date(enrolled).toISOString().slice(0, 10)
			});
			const visitsHere = 1 + Math.floor(random() * 24);
			const baseline = clamp(0.55 + normal() * 0.15, 0.1, 0.95);
			const stressTrait = normal();
			// The dates first (each visit's flare and events need the next one's), at least a day
			// apart: one live visit per patient per date (a 0-day step is a 4.7 SD draw, but 200,000
			// patients take millions of draws); none after yesterday.
			const days: number[] = [];
			for (let day = enrolled; days.length < visitsHere && day <= now - DAY; day += Math.max(1, 14 + Math.round(normal() * 3)) * DAY) days.push(day);
			let eventAfterPrevious = false;
			let flareSincePrevious = false;
			for (let k = 0; k < days.length; k++) {
				const visitId = randomUUID();
				const day = days[k]!;
				const nextDay = days[k + 1] ?? null;
				const progress = Math.min(k / 8, 1);
				const s = clamp(baseline * (1 - effect * progress) + normal() * 0.05, 0, 1);
				const stress = visitStress(rng, stressTrait, s);
				const voided = random() < 0.01;
				const sessions = k === 0 ? 0 : 1 + Math.floor(random() * 3);
				vRows.push({
					id: visitId,
					patientId: id,
					visitDate: new Date(day).toISOString().slice(0, 10),
					kind: k === 0 ? 'baseline' : k === days.length - 1 && days.length > 4 ? 'follow_up' : 'treatment',
					acupunctureSessions: sessions,
					// The old yes/no answer, kept consistent with the episodes (nothing before the first visit).
					flare: k === 0 ? 'unknown' : flareSincePrevious ? 'yes' : 'no',
					aeAnswer: aeAnswer(rng, eventAfterPrevious),
					voided,
					voidReason: voided ? 'entered in error (synthetic)' : null
				});
				for (const instrument of INSTRUMENTS) {
					if (!asked(instrument, k)) continue;
					const answers = answersFor(instrument, s, stress.level);
					const scored = scoreResponse(instrument, answers);
					if (!scored.ok) continue;
					const responseId = randomUUID();
					rRows.push({ id: responseId, visitId, instrumentId: instrument, instrumentVersion: instrument === 'rand36' ? '1.0' : 'seed', scoringVersion: `${instrument}-1`, answers });
					for (const [scale, value] of Object.entries(scored.scores)) sRows.push({ responseId, instrumentId: instrument, scale, value });
				}
				const events = voided || sessions === 0 ? [] : eventsAfterVisit(rng, { patientId: id, visitId, day, sessions, nextDay, today });
				aRows.push(...events);
				eventAfterPrevious = events.length > 0;
				const flare = nextDay === null ? null : flareBetween(rng, { patientId: id, day, nextDay, enrolled, stressZ: stress.z, today });
				if (flare) fRows.push(flare);
				flareSincePrevious = flare !== null;
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
				if (aRows.length) await bulkInsert(tx, adverseEvents, aRows);
				if (fRows.length) await bulkInsert(tx, flareEpisodes, fRows);
			})
			.then(async () => {
				inFlight.delete(load);
				counts.patients += pRows.length;
				// Fresh statistics each time the cohort doubles: the triggers' statements (safety
				// summaries, score_values) are planned from them, and with stale ones (autovacuum off,
				// as on CI's PostgreSQL) they scan whole tables per batch: 20,000 patients took 35
				// minutes instead of a few. ANALYZE samples; a second or two each time.
				if (database.driver === 'postgres' && counts.patients >= nextAnalyze) {
					nextAnalyze *= 2;
					await db.execute(sql`analyze patients, visits, responses, response_scores, score_values, flare_episodes, adverse_events`);
				}
				counts.visits += vRows.length;
				counts.responses += rRows.length;
				counts.adverseEvents += aRows.length;
				counts.flareEpisodes += fRows.length;
				o.onProgress?.(counts);
			});
		inFlight.add(load);
	}
	await Promise.all(inFlight);
	await db.transaction((tx) =>
		appendAudit(tx, { actorId: null, action: 'seed', entity: 'database', entityId: 'synthetic', after: { ...counts, seed: String(o.seed), sites: o.sites }, requestId: `seed-${process.pid}` })
	);
	return counts;
}
