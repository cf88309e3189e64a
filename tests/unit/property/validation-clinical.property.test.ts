/**
 * Patient, visit, reason and condition forms: never a throw, accepted output within the stated
 * limits (real calendar dates from 1900 to today, lengths, ranges), valid input accepted.
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ConditionSchema, PATIENT_ENTRIES, PatientSchema, ReasonSchema, today, VisitSchema } from '../../../src/lib/validation/clinical';
import { TrendQuerySchema } from '../../../src/lib/validation/cohort';
import { exportInput, ExportOptionsSchema } from '../../../src/lib/validation/export';
import { fieldErrors } from '../../../src/lib/validation/form';
import { conditionCode, dateLike, futureDay, impossibleDay, isReal, nearLength, padded, pastDay, showsEveryCharacter, text, textWithoutJoiners } from './inputs';

const RUNS = 200;

describe('date fields (date of birth, enrolment, visit)', () => {
	const fields = [PATIENT_ENTRIES.dateOfBirth, PATIENT_ENTRIES.enrolledOn, VisitSchema.entries.visitDate];

	it('accept only real calendar dates from 1900 to today, as YYYY-MM-DD', () => {
		fc.assert(
			fc.property(fc.oneof(dateLike, impossibleDay, fc.anything()), (input) => {
				for (const schema of fields) {
					const r = v.safeParse(schema, input);
					if (!r.success) continue;
					expect(isReal(r.output), r.output).toBe(true);
					expect(r.output >= '1900-01-01' && r.output <= today()).toBe(true);
				}
			}),
			{ numRuns: RUNS }
		);
	});

	it('accept every real past date, spaces trimmed; refuse future and impossible dates', () => {
		fc.assert(
			fc.property(padded(pastDay), fc.oneof(futureDay, impossibleDay), (past, bad) => {
				for (const schema of fields) {
					expect(v.safeParse(schema, past)).toMatchObject({ success: true, output: past.trim() });
					expect(v.safeParse(schema, bad).success).toBe(false);
				}
			}),
			{ numRuns: RUNS }
		);
	});
});

describe('patient and visit forms', () => {
	const patient = fc.record({
		clinicRef: padded(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '')),
		name: padded(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }).filter((s) => s.trim() !== '')),
		sex: fc.constantFrom('female', 'male', 'other', 'unknown'),
		conditionCode: conditionCode,
		dates: fc.tuple(pastDay, pastDay).map(([a, b]) => (a <= b ? [a, b] : [b, a]))
	});

	it('accept a complete patient with enrolment on or after birth, and refuse enrolment before birth there', () => {
		fc.assert(
			fc.property(patient, ({ dates: [born, enrolled], ...p }) => {
				const ok = v.safeParse(PatientSchema, { ...p, dateOfBirth: born, enrolledOn: enrolled });
				expect(ok).toMatchObject({ success: true, output: { clinicRef: p.clinicRef.trim(), name: p.name.trim() } });
				if (born === enrolled) return;
				const swapped = v.safeParse(PatientSchema, { ...p, dateOfBirth: enrolled, enrolledOn: born });
				expect(swapped.success).toBe(false);
				if (!swapped.success) expect(fieldErrors(swapped.issues)).toEqual({ enrolledOn: 'Enrolment cannot be before birth.' });
			}),
			{ numRuns: RUNS }
		);
	});

	it('a clinic reference that passes is 1–40 characters, trimmed, every one of them shown', () => {
		fc.assert(
			fc.property(fc.oneof(padded(textWithoutJoiners), padded(nearLength(40)), fc.anything()), (ref) => {
				const r = v.safeParse(PATIENT_ENTRIES.clinicRef, ref);
				if (typeof ref === 'string') expect(r.success).toBe(ref.trim().length >= 1 && ref.trim().length <= 40 && showsEveryCharacter(ref.trim()));
				if (r.success) expect(r.output).toBe(r.output.trim());
			}),
			{ numRuns: RUNS }
		);
	});

	it('a visit that passes has 0–200 whole sessions and a note of at most 4000 characters or none', () => {
		const field = fc.oneof(text, fc.anything(), fc.stringMatching(/^ ?\d{1,4} ?$/), fc.constantFrom('baseline', 'treatment', 'follow_up', 'yes', 'no', 'unknown'));
		const visit = fc.record({ visitDate: fc.oneof(dateLike, field), kind: field, acupunctureSessions: field, flare: field, note: fc.oneof(field, padded(nearLength(4000))) }, { requiredKeys: [] });
		fc.assert(
			fc.property(visit, (input) => {
				const r = v.safeParse(VisitSchema, input);
				if (!r.success) return;
				expect(Number.isInteger(r.output.acupunctureSessions)).toBe(true);
				expect(r.output.acupunctureSessions).toBeGreaterThanOrEqual(0);
				expect(r.output.acupunctureSessions).toBeLessThanOrEqual(200);
				expect(['baseline', 'treatment', 'follow_up']).toContain(r.output.kind);
				expect(['yes', 'no', 'unknown']).toContain(r.output.flare);
				if (r.output.note !== null) {
					expect(r.output.note).toBe(r.output.note.trim());
					expect(r.output.note.length).toBeGreaterThan(0);
					expect(r.output.note.length).toBeLessThanOrEqual(4000);
				}
			}),
			{ numRuns: RUNS }
		);
	});

	it('accepts a valid visit, sessions read as the number written (leading zeros, spaces)', () => {
		const visit = fc.record({
			visitDate: pastDay,
			kind: fc.constantFrom('baseline', 'treatment', 'follow_up'),
			sessions: fc.integer({ min: 0, max: 200 }),
			zeros: fc.integer({ min: 0, max: 3 }),
			flare: fc.constantFrom('yes', 'no', 'unknown'),
			note: padded(fc.string({ maxLength: 50 }))
		});
		fc.assert(
			fc.property(visit, ({ sessions, zeros, note, ...rest }) => {
				const r = v.safeParse(VisitSchema, { ...rest, acupunctureSessions: ` ${'0'.repeat(zeros)}${sessions} `, note });
				expect(r).toMatchObject({ success: true, output: { ...rest, acupunctureSessions: sessions, note: note.trim() || null } });
			}),
			{ numRuns: RUNS }
		);
	});

	it('a reason for a change has 1–500 characters after dropping NULs and trimming, every one of them shown', () => {
		fc.assert(
			fc.property(fc.oneof(padded(textWithoutJoiners), padded(nearLength(500))), (reason) => {
				// NUL characters are dropped first (the database cannot store them).
				const t = reason.replaceAll('\0', '').trim();
				expect(v.safeParse(ReasonSchema, reason).success).toBe(t.length >= 1 && t.length <= 500 && showsEveryCharacter(t));
			}),
			{ numRuns: RUNS }
		);
	});

	it('a new condition gets a code that the cohort and export filters accept', () => {
		const label = fc.oneof(textWithoutJoiners, padded(nearLength(120)), fc.constantFrom('Polyarthrite rhumatoïde', '123', 'İstanbul', '— —', 'Ⅻ'));
		fc.assert(
			fc.property(label, (raw) => {
				const r = v.safeParse(ConditionSchema, { label: raw });
				if (/[a-z0-9]/i.test(raw) && raw.trim().length <= 120 && showsEveryCharacter(raw)) expect(r.success).toBe(true);
				if (!r.success) return;
				expect(r.output.label).toBe(raw.trim());
				expect(r.output.code).toMatch(/^[a-z][a-z0-9_]{0,39}$/);
				expect(v.safeParse(TrendQuerySchema, { conditions: r.output.code })).toMatchObject({ success: true, output: { conditions: [r.output.code] } });
				expect(v.safeParse(ExportOptionsSchema, { ...exportInput(new URL('http://x/?instruments=fss9')), conditions: [r.output.code] }).success).toBe(true);
			}),
			{ numRuns: RUNS }
		);
	});
});
