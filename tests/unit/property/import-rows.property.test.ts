/**
 * Reading one CSV record into a patient, visit and answers: dates in the chosen format, the
 * spellings a spreadsheet uses, and manual entry's rules. Whatever the cells hold, parsing never
 * throws, a row comes back only without issues, and what comes back meets manual entry's limits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getInstrument } from '../../../src/lib/instruments';
import { IMPORT_FIELDS, type DateFormat } from '../../../src/lib/import/fields';
import { layoutOf, normaliseDate, parseRow, type RowContext } from '../../../src/lib/import/rows';
import { today } from '../../../src/lib/validation/clinical';
import { decimalsOf, validAnswer } from './arbitraries';
import { blank, isReal, pastDay } from './inputs';

const RUNS = 200;
const FORMATS: DateFormat[] = ['iso', 'dmy', 'mdy'];
const mixedCase = (s: string) => fc.mixedCase(fc.constant(s));
/** One of the accepted spellings, in any case, with the code it stands for. */
const spelling = (pairs: [string, string][]) => fc.constantFrom(...pairs).chain(([word, code]) => mixedCase(word).map((s) => ({ s, code })));

/** A date written as a spreadsheet might in the given format: day and month padded or not, . / or -. */
function written(iso: string, format: DateFormat): fc.Arbitrary<string> {
	const [y, m, d] = iso.split('-') as [string, string, string];
	if (format === 'iso') return fc.constant(iso);
	const part = (x: string) => fc.constantFrom(x, String(Number(x)));
	return fc
		.tuple(part(d), part(m), fc.constantFrom('/', '.', '-'), fc.constantFrom('/', '.', '-'), blank, blank)
		.map(([dd, mm, s1, s2, a, b]) => `${a}${format === 'dmy' ? dd : mm}${s1}${format === 'dmy' ? mm : dd}${s2}${y}${b}`);
}

describe('dates in the chosen format', () => {
	it('read any text without throwing, giving YYYY-MM-DD or nothing', () => {
		const raw = fc.oneof(fc.string(), fc.stringMatching(/^\s?\d{1,4}[./-]\d{1,4}[./-]\d{2,5}\s?$/));
		fc.assert(
			fc.property(raw, fc.constantFrom(...FORMATS), (s, format) => {
				const iso = normaliseDate(s, format);
				if (iso !== null) expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}$/);
			}),
			{ numRuns: 500 }
		);
	});

	it('read a real date written in the chosen format, and ISO whatever the choice', () => {
		const input = fc.tuple(pastDay, fc.constantFrom(...FORMATS)).chain(([iso, format]) => fc.tuple(fc.constant(iso), fc.constant(format), written(iso, format), blank));
		fc.assert(
			fc.property(input, ([iso, format, spelled, pad]) => {
				expect(normaliseDate(spelled, format)).toBe(iso);
				for (const any of FORMATS) expect(normaliseDate(pad + iso + pad, any)).toBe(iso);
				if (format !== 'iso') expect(normaliseDate(spelled, 'iso')).toBeNull();
			}),
			{ numRuns: RUNS }
		);
	});
});

const CONDITIONS = new Map([
	['rheumatoid_arthritis', 'rheumatoid_arthritis'],
	['rheumatoid arthritis', 'rheumatoid_arthritis'],
	['sle', 'sle'],
	['systemic lupus erythematosus', 'sle']
]);
/** Every field, in a shuffled column order, with headers of the file's own. */
const context = fc
	.tuple(fc.shuffledSubarray(IMPORT_FIELDS.slice(0, 11).map((f) => f.key).concat(['fss9__1', 'fss9__2', 'fss9__3', 'pain_vas__pain', 'das28_esr__esr']), { minLength: 16, maxLength: 16 }), fc.constantFrom(...FORMATS))
	.map(([mapping, dateFormat]): RowContext => ({ headers: mapping.map((k, i) => `Col ${i} ${k}`), mapping, dateFormat, conditions: CONDITIONS }));

describe('a CSV row', () => {
	// The first three FSS-9 items are mapped (a partly answered instrument is the scorer's business).
	const fss = getInstrument('fss9')!.items.slice(0, 3);
	const vas = getInstrument('pain_vas')!.items[0]!;
	const valid = fc.record({
		ref: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
		name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
		born: pastDay,
		visit: pastDay,
		// The spellings the codebook promises, in any case: "F and M", "Follow-up and follow up", "Y and N".
		sex: spelling([['female', 'female'], ['F', 'female'], ['male', 'male'], ['m', 'male'], ['other', 'other'], ['unknown', 'unknown']]),
		kind: spelling([['baseline', 'baseline'], ['treatment', 'treatment'], ['follow_up', 'follow_up'], ['Follow-up', 'follow_up'], ['follow up', 'follow_up']]),
		flare: spelling([['yes', 'yes'], ['y', 'yes'], ['no', 'no'], ['N', 'no'], ['unknown', 'unknown'], ['', 'unknown']]),
		condition: fc.constantFrom(...CONDITIONS.keys()).chain(mixedCase),
		sessions: fc.integer({ min: 0, max: 200 }),
		fss: fc.tuple(...fss.map((item) => fc.option(validAnswer(item)))),
		vas: fc.option(validAnswer(vas)),
		pad: blank
	});

	type Valid = typeof valid extends fc.Arbitrary<infer T> ? T : never;
	/** The row's cells in the context's column order. */
	function cellsOf(ctx: RowContext, r: Valid, born: string, visit: string): string[] {
		const cells: Record<string, string> = {
			clinic_ref: r.pad + r.ref + r.pad,
			name: r.name,
			date_of_birth: born,
			sex: r.sex.s,
			condition: r.condition,
			enrolled_on: '',
			visit_date: visit,
			visit_kind: r.kind.s,
			acupuncture_sessions: String(r.sessions),
			flare: r.flare.s,
			note: '',
			pain_vas__pain: r.vas === null ? '' : r.vas.toFixed(decimalsOf(vas.step)).replace('.', ','),
			das28_esr__esr: ''
		};
		fss.forEach((item, i) => (cells[`fss9__${item.key}`] = r.fss[i] === null ? '' : String(r.fss[i])));
		return ctx.mapping.map((k) => cells[k!]!);
	}
	const validRow = fc
		.tuple(context, valid)
		.chain(([ctx, r]) => fc.tuple(written(r.born, ctx.dateFormat), written(r.visit, ctx.dateFormat)).map(([born, visit]) => ({ ctx, r, fields: cellsOf(ctx, r, born, visit) })));

	it('never throws; a row comes back exactly when there is no issue, and then meets manual entry’s limits', () => {
		const cellText = fc.oneof(
			fc.string(),
			fc.string({ unit: 'binary', maxLength: 50 }),
			pastDay,
			fc.constantFrom('F', 'm', 'Follow up', 'Y', 'n', 'sle', '7', '7,5', '0', '200', '201', '31/02/2000', '2999-01-01', '')
		);
		const line = fc.integer({ min: 2, max: 1_000_000 });
		// Cells of anything, or a valid row with some cells replaced, dropped or added.
		const anyRow = fc.tuple(context, fc.array(cellText, { maxLength: 18 })).map(([ctx, fields]) => ({ ctx, fields }));
		const spoilt = fc
			.tuple(validRow, fc.array(fc.tuple(fc.nat(), cellText), { maxLength: 3 }), fc.array(cellText, { maxLength: 2 }), fc.nat({ max: 2 }))
			.map(([{ ctx, fields }, changes, extra, drop]) => {
				const out = [...fields];
				for (const [i, x] of changes) out[i % out.length] = x;
				return { ctx, fields: [...out.slice(0, out.length - drop), ...extra] };
			});
		fc.assert(
			fc.property(fc.oneof(anyRow, spoilt), line, ({ ctx, fields }, l) => {
				const rec = { line: l, fields };
				const { row, issues } = parseRow(rec, ctx, layoutOf(ctx.mapping));
				expect(row === null).toBe(issues.length > 0);
				for (const i of issues) expect(i.line).toBe(rec.line);
				if (row === null) return;
				expect(row.clinicRef).toBe(row.clinicRef.trim());
				expect(row.clinicRef.length).toBeGreaterThan(0);
				expect(row.clinicRef.length).toBeLessThanOrEqual(40);
				expect(row.refKey).toBe(row.clinicRef.toLowerCase());
				for (const d of [row.patient.dateOfBirth, row.patient.enrolledOn, row.visit.visitDate]) {
					if (d === undefined) continue;
					expect(isReal(d), d).toBe(true);
					expect(d >= '1900-01-01' && d <= today()).toBe(true);
				}
				if (row.patient.conditionCode) expect([...CONDITIONS.values()]).toContain(row.patient.conditionCode);
				expect(Number.isInteger(row.visit.acupunctureSessions) && row.visit.acupunctureSessions <= 200).toBe(true);
				for (const r of row.responses) expect(Object.values(r.answers).some((x) => x !== null)).toBe(true);
			}),
			{ numRuns: RUNS }
		);
	});

	it('reads a valid row, whatever the column order, date format and spellings', () => {
		fc.assert(
			fc.property(validRow, ({ ctx, r, fields }) => {
				const { row, issues } = parseRow({ line: 2, fields }, ctx, layoutOf(ctx.mapping));
				expect(issues).toEqual([]);
				const responses = [];
				if (r.fss.some((x) => x !== null)) responses.push({ instrumentId: 'fss9', answers: Object.fromEntries(fss.map((item, i) => [item.key, r.fss[i]])) });
				if (r.vas !== null) responses.push({ instrumentId: 'pain_vas', answers: { pain: r.vas } });
				expect({ ...row, responses: [...(row?.responses ?? [])].sort((a, b) => a.instrumentId.localeCompare(b.instrumentId)) }).toEqual({
					line: 2,
					clinicRef: r.ref.trim(),
					refKey: r.ref.trim().toLowerCase(),
					patient: { name: r.name.trim(), dateOfBirth: r.born, sex: r.sex.code, conditionCode: CONDITIONS.get(r.condition.toLowerCase()) },
					visit: { visitDate: r.visit, kind: r.kind.code, acupunctureSessions: r.sessions, flare: r.flare.code, aeAnswer: 'not_asked', note: null },
					responses
				});
			}),
			{ numRuns: RUNS }
		);
	});
});
