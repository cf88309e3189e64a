/**
 * The analysis plan's one schema (issue 20), as the API and the form both use it: a valid plan
 * parses; each rule refuses at the field it names, with the words a user reads; the form's
 * values map to the body and back; a report's `?version=` is read strictly.
 */
import { describe, expect, it } from 'vitest';
import {
	EMPTY_PLAN_VALUES,
	formErrors,
	parsePlan,
	planFromForm,
	planFromValues,
	PERIOD_AND_SESSIONS,
	reportVersion,
	valuesFromPlan,
	type PlanContext
} from '../../src/lib/validation/plans';

const researcher: PlanContext = { conditions: new Set(['ra', 'ms']), dayPrecise: false };
const admin: PlanContext = { ...researcher, dayPrecise: true };

const valid = () => ({
	title: 'Pain at week 8',
	conditions: ['ra'],
	enrolled_from: '2025-01-01',
	enrolled_to: '2025-12-31',
	primary: { instrument: 'pain_nrs', scale: 'score' },
	timepoint: { weeks: 8, window_weeks: 2 },
	secondary: [{ instrument: 'fss9', scale: 'mean' }],
	primary_population: 'completers'
});

/** The errors of a plan changed by `change`, or 'accepted'. */
const errorsOf = (change: (p: Record<string, unknown>) => void, ctx = researcher) => {
	const plan: Record<string, unknown> = valid();
	change(plan);
	const parsed = parsePlan(plan, ctx);
	return parsed.ok ? 'accepted' : parsed.errors;
};

describe('the plan schema', () => {
	it('accepts a complete plan and keeps it as given (title trimmed)', () => {
		const parsed = parsePlan({ ...valid(), title: '  Pain at week 8 ' }, researcher);
		expect(parsed).toEqual({ ok: true, plan: { ...valid(), title: 'Pain at week 8' } });
	});

	it.each([
		['no title', (p: Record<string, unknown>) => (p.title = '   '), { title: 'Give the plan a title.' }],
		['an unknown condition', (p: Record<string, unknown>) => (p.conditions = ['ra', 'lupus']), { 'conditions.1': 'Unknown condition.' }],
		['no condition', (p: Record<string, unknown>) => (p.conditions = []), { conditions: 'Choose at least one condition.' }],
		['a condition twice', (p: Record<string, unknown>) => (p.conditions = ['ra', 'ra']), { conditions: 'A condition is named twice.' }],
		['a period that ends before it starts', (p: Record<string, unknown>) => ((p.enrolled_from = '2025-07-01'), (p.enrolled_to = '2025-03-31')), { enrolled_to: 'The period ends before it starts.' }],
		['an impossible date', (p: Record<string, unknown>) => (p.enrolled_to = '2025-02-30'), { enrolled_to: 'This is not a real calendar date.' }],
		['an unknown instrument', (p: Record<string, unknown>) => (p.primary = { instrument: 'nope', scale: 'score' }), { 'primary.instrument': 'Unknown instrument.' }],
		['an unknown scale', (p: Record<string, unknown>) => (p.primary = { instrument: 'pain_nrs', scale: 'total' }), { 'primary.scale': 'Unknown scale for this instrument.' }],
		['a window as long as the weeks', (p: Record<string, unknown>) => (p.timepoint = { weeks: 2, window_weeks: 2 }), { 'timepoint.window_weeks': 'The window must be shorter than the weeks since baseline.' }],
		['weeks that are not whole', (p: Record<string, unknown>) => (p.timepoint = { weeks: 8.5, window_weeks: 2 }), { 'timepoint.weeks': 'Enter the weeks since baseline as a whole number.' }],
		['the primary again as a secondary', (p: Record<string, unknown>) => (p.secondary = [{ instrument: 'pain_nrs', scale: 'score' }]), { secondary: 'The primary outcome cannot also be a secondary one.' }],
		['a secondary twice', (p: Record<string, unknown>) => (p.secondary = [{ instrument: 'fss9', scale: 'mean' }, { instrument: 'fss9', scale: 'mean' }]), { secondary: 'A secondary outcome is named twice.' }],
		['a threshold larger than the scale', (p: Record<string, unknown>) => (p.responder_threshold = 11), { responder_threshold: 'The threshold is larger than the whole scale.' }],
		['a primary without an MCID and no threshold', (p: Record<string, unknown>) => (p.primary = { instrument: 'phq4', scale: 'total' }), { responder_threshold: 'This outcome has no MCID in the instrument registry: give a responder threshold.' }],
		['an unknown field', (p: Record<string, unknown>) => (p.extra = 1), { extra: 'Unknown field.' }],
		['a population that is not one of the two', (p: Record<string, unknown>) => (p.primary_population = 'all'), { primary_population: 'The primary population is completers or carried_forward.' }]
	])('refuses %s at its field', (_, change, expected) => {
		expect(errorsOf(change)).toEqual(expected);
	});

	it('accepts a primary without an MCID when a threshold is given', () => {
		expect(errorsOf((p) => ((p.primary = { instrument: 'phq4', scale: 'total' }), (p.responder_threshold = 3)))).toBe('accepted');
	});

	it('gives researchers whole quarters and administrators any day', () => {
		const midQuarter = (p: Record<string, unknown>) => (p.enrolled_from = '2025-02-10');
		expect(Object.keys(errorsOf(midQuarter, researcher) as object)).toEqual(['enrolled_from']);
		expect(errorsOf(midQuarter, admin)).toBe('accepted');
	});

	it('gives researchers a period or a minimum number of sessions, administrators both', () => {
		const both = (p: Record<string, unknown>) => (p.min_sessions = 4);
		expect(errorsOf(both, researcher)).toEqual({ min_sessions: PERIOD_AND_SESSIONS });
		expect(errorsOf(both, admin)).toBe('accepted');
		expect(errorsOf((p) => ((p.min_sessions = 4), delete p.enrolled_from, delete p.enrolled_to), researcher)).toBe('accepted');
		expect(errorsOf((p) => ((p.min_sessions = 4), delete p.enrolled_from), researcher)).toEqual({ min_sessions: PERIOD_AND_SESSIONS });
	});

	it('names each part left out at its own field, in its own words', () => {
		expect(parsePlan({}, researcher)).toEqual({
			ok: false,
			errors: {
				title: 'Give the plan a title.',
				conditions: 'Choose at least one condition.',
				primary: 'Choose the primary outcome.',
				timepoint: 'The time point is { weeks, window_weeks } or { visit }.',
				secondary: 'Secondary outcomes are a list (empty for none).',
				primary_population: 'The primary population is completers or carried_forward.'
			}
		});
		expect(errorsOf((p) => (p.timepoint = { weeks: 8 }))).toEqual({ 'timepoint.window_weeks': 'Enter the window in weeks as a whole number.' });
		expect(errorsOf((p) => (p.timepoint = { visit: 1 }))).toEqual({ 'timepoint.visit': 'The visit number is at least 2.' });
		expect(errorsOf((p) => (p.timepoint = { visit: 3 }))).toBe('accepted');
	});

	it('refuses a body that is not an object, as the whole plan', () => {
		for (const body of [[1, 2], null, 'plan', 3]) expect(parsePlan(body, researcher)).toEqual({ ok: false, errors: { plan: 'A plan is a JSON object.' } });
	});
});

describe('the plan form', () => {
	it('maps a stored plan to its fields and back to the same body', () => {
		const parsed = parsePlan(valid(), researcher);
		if (!parsed.ok) throw new Error('valid plan refused');
		expect(parsePlan(planFromValues(valuesFromPlan(parsed.plan)), researcher)).toEqual(parsed);
	});

	it('keeps what was typed and shows each error at its form field', () => {
		const data = new FormData();
		for (const [k, v] of Object.entries({ ...EMPTY_PLAN_VALUES, title: 'T', primary: 'pain_nrs:score', weeks: 'eight', from: '2025-02-10' })) if (typeof v === 'string') data.set(k, v);
		data.append('conditions', 'ra');
		const { values, parsed } = planFromForm(data, researcher);
		expect(values.weeks).toBe('eight');
		expect(values.from).toBe('2025-02-10');
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) expect(Object.keys(formErrors(parsed.errors)).sort()).toEqual(['from', 'weeks']);
	});

	it('asks for a primary outcome when none is chosen (not "Unknown instrument")', () => {
		// Found by a walk-through: the empty choice was read as an instrument named "".
		const data = new FormData();
		for (const [k, v] of Object.entries({ ...EMPTY_PLAN_VALUES, title: 'T', primary: '', weeks: '8', window_weeks: '2' })) if (typeof v === 'string') data.set(k, v);
		data.append('conditions', 'ra');
		const { parsed } = planFromForm(data, researcher);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) expect(formErrors(parsed.errors)).toEqual({ primary: 'Choose the primary outcome.' });
	});
});

describe("a report's ?version=", () => {
	it.each([
		['', undefined],
		['?version=3', 3],
		['?version=', undefined],
		['?version=0', null],
		['?version=-1', null],
		['?version=1e3', null],
		['?version=9999999', null]
	])('%s reads as %s', (search, expected) => {
		expect(reportVersion(new URL(`http://x/reports/1${search}`))).toBe(expected);
	});
});
