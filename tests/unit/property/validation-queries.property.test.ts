/**
 * Cohort and export query strings: whatever a URL holds, parsing never throws; what passes names
 * known instruments and scales, bounded numbers and real dates (they reach SQL as `::date`, so
 * "2024-02-30" must not pass); every valid query passes.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { getInstrument, INSTRUMENTS } from '../../../src/lib/instruments';
import { paramsFromUrl, TrendQuerySchema } from '../../../src/lib/validation/cohort';
import { exportInput, ExportOptionsSchema } from '../../../src/lib/validation/export';
import { conditionCode, dateLike, impossibleDay, isReal, pastDay, text } from './inputs';

const RUNS = 200;
const url = (entries: [string, string][]) => new URL(`http://localhost/q?${new URLSearchParams(entries)}`);
const instrumentId = fc.oneof(fc.constantFrom(...INSTRUMENTS.map((d) => d.id)), fc.string({ maxLength: 6 }));
const queryValue = fc.oneof(text, dateLike, impossibleDay, instrumentId, fc.stringMatching(/^\d{1,3}$/), fc.constantFrom('visit', 'week', 'score', 'change', 'stable', 'unlinkable', '1', 'ra,sle'));

describe('cohort query', () => {
	const validQuery = fc.constantFrom(...INSTRUMENTS).chain((def) =>
		fc.record({
			instrument: fc.constant(def.id),
			scale: fc.constantFrom('', ...def.scales.map((s) => s.key)),
			axis: fc.constantFrom('visit', 'week'),
			bucket: fc.integer({ min: 1, max: 52 }).map(String),
			measure: fc.constantFrom('score', 'change'),
			conditions: fc.array(conditionCode, { maxLength: 20 }).map((cs) => cs.join(',')),
			from: fc.oneof(fc.constant(''), pastDay),
			to: fc.oneof(fc.constant(''), pastDay)
		})
	);
	/** A valid query with some parameters dropped, replaced by anything, or repeated. */
	const query = fc
		.tuple(validQuery, fc.array(fc.tuple(fc.constantFrom('instrument', 'scale', 'axis', 'bucket', 'measure', 'conditions', 'from', 'to', 'other'), fc.option(fc.oneof(queryValue, impossibleDay))), { maxLength: 4 }))
		.map(([q, changes]) => {
			const entries = new Map<string, string[]>(Object.entries(q).map(([k, x]) => [k, [x]]));
			for (const [k, x] of changes) entries.set(k, x === null ? [] : k === 'conditions' ? [...(entries.get(k) ?? []), x] : [x]);
			return [...entries].flatMap(([k, xs]) => xs.map((x): [string, string] => [k, x]));
		});

	it('never throws on a query string, and what passes names a real instrument, scale, bucket and dates', () => {
		fc.assert(
			fc.property(query, (entries) => {
				const params = paramsFromUrl(url(entries));
				expect(Object.keys(params)).not.toContain('other');
				const r = v.safeParse(TrendQuerySchema, params);
				if (!r.success) return;
				const q = r.output;
				expect(getInstrument(q.instrument)!.scales.map((s) => s.key)).toContain(q.scale);
				expect(Number.isInteger(q.bucket) && q.bucket >= 1 && q.bucket <= 52).toBe(true);
				expect(q.conditions.length).toBeLessThanOrEqual(20);
				for (const c of q.conditions) expect(c).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
				for (const d of [q.from, q.to]) if (d !== undefined) expect(isReal(d), d).toBe(true);
			}),
			{ numRuns: RUNS }
		);
	});

	it('accepts every valid query', () => {
		fc.assert(
			fc.property(validQuery, (q) => {
				expect(v.safeParse(TrendQuerySchema, paramsFromUrl(url(Object.entries(q)))).success).toBe(true);
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('export options', () => {
	const validChoice = fc.record({
		instruments: fc.uniqueArray(fc.constantFrom(...INSTRUMENTS.map((d) => d.id)), { minLength: 1 }).map((ids) => ids.join(',')),
		conditions: fc.array(conditionCode, { maxLength: 5 }).map((cs) => cs.join(',')),
		from: fc.oneof(fc.constant(''), pastDay),
		to: fc.oneof(fc.constant(''), pastDay),
		items: fc.constantFrom('0', '1'),
		pseudonyms: fc.constantFrom('stable', 'unlinkable'),
		k: fc.integer({ min: 3, max: 999 }).map(String)
	});
	const choice = fc
		.tuple(validChoice, fc.array(fc.tuple(fc.constantFrom('instruments', 'conditions', 'from', 'to', 'items', 'pseudonyms', 'k', 'other'), fc.option(fc.oneof(queryValue, impossibleDay))), { maxLength: 4 }))
		.map(([c, changes]) => {
			const entries = new Map<string, string[]>(Object.entries(c).map(([k, x]) => [k, [x]]));
			for (const [k, x] of changes) entries.set(k, x === null ? [] : k === 'instruments' || k === 'conditions' ? [...(entries.get(k) ?? []), x] : [x]);
			return [...entries].flatMap(([k, xs]) => xs.map((x): [string, string] => [k, x]));
		});

	it('never throw on a query string, and what passes names known instruments, k ≥ 3 and real dates', () => {
		fc.assert(
			fc.property(choice, (entries) => {
				const r = v.safeParse(ExportOptionsSchema, exportInput(url(entries)));
				if (!r.success) return;
				const o = r.output;
				expect(o.instruments.length).toBeGreaterThan(0);
				expect(new Set(o.instruments).size).toBe(o.instruments.length);
				for (const id of o.instruments) expect(getInstrument(id)).toBeDefined();
				for (const c of o.conditions) expect(c).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
				expect(Number.isInteger(o.k) && o.k >= 3 && o.k <= 999).toBe(true);
				for (const d of [o.enrolledFrom, o.enrolledTo]) if (d !== undefined) expect(isReal(d), d).toBe(true);
			}),
			{ numRuns: RUNS }
		);
	});

	it('accept every valid choice', () => {
		fc.assert(
			fc.property(validChoice, (c) => {
				const r = v.safeParse(ExportOptionsSchema, exportInput(url(Object.entries(c))));
				expect(r).toMatchObject({ success: true, output: { includeItems: c.items === '1', k: Number(c.k) } });
			}),
			{ numRuns: RUNS }
		);
	});
});
