/**
 * Privacy across queries (docs/security.md): below admin, two allowed cohort queries or exports
 * never differ by fewer than k patients in any group they show. Every allowed enrolment period of
 * a hand-built cohort is tried against every other, so this checks the guarantee, not an example.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { cohortTrend, type Trend, type TrendQuery } from '../../src/lib/server/cohort';
import { exportLines, planExport, type ExportOptions } from '../../src/lib/server/export';
import { auditCohortQuery, readTrendRequest } from '../../src/lib/server/cohort/request';
import { auditExportAttempt } from '../../src/lib/server/export/audit';
import { verifyAuditChain } from '../../src/lib/server/audit';
import { auditLog } from '../../src/lib/server/db/schema';
import { desc, eq } from 'drizzle-orm';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
const K = 3;
const SECRET = 'integration-secret-0123456789abcdef0123';
const MS = 'multiple_sclerosis';
const RA = 'rheumatoid_arthritis';
const trendQuery: TrendQuery = { instrument: 'pain_nrs', scale: 'score', axis: 'visit', bucket: 2, measure: 'score', conditions: [MS, RA] };
const exportBase: ExportOptions = { instruments: ['pain_nrs'], conditions: [MS, RA], includeItems: false, pseudonyms: 'stable', k: K };

// Every period a researcher may choose in 2024 (and none), as [from, to].
const FROMS = [undefined, '2024-01-01', '2024-04-01', '2024-07-01', '2024-10-01'];
const TOS = [undefined, '2024-03-31', '2024-06-30', '2024-09-30', '2024-12-31'];
const PERIODS = FROMS.flatMap((from) => TOS.map((to) => ({ from, to })));
/** Pairs where one period holds the other and they share one end: their difference is what a subtraction gives. */
const NESTED = PERIODS.flatMap((a) => PERIODS.filter((b) => a !== b && ((a.from === b.from && a.to !== b.to) || (a.to === b.to && a.from !== b.from))).map((b) => [a, b] as const));
const key = (p: { from?: string; to?: string }) => `${p.from ?? '…'}..${p.to ?? '…'}`;

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	const actor = await makeUser(db, 'clinician');
	let n = 0;
	async function patient(condition: string, enrolledOn: string, sex: 'female' | 'male', dateOfBirth: string, visits = 2) {
		n++;
		const p = await createPatient(db, actor, { clinicRef: `PR-${n}`, name: `Private ${n}`, dateOfBirth, sex, conditionCode: condition, enrolledOn });
		if (!p.ok) throw new Error(p.message);
		const day = (d: number) => new Date(Date.parse(enrolledOn) + d * 86_400_000).toISOString().slice(0, 10);
		for (let i = 0; i < visits; i++) {
			const v = await recordVisit(db, actor, p.value, { visitDate: day(i * 14), kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain: (n + i * 3) % 11 } }]);
			if (!v.ok) throw new Error(v.message);
		}
	}
	// MS: four women in Q1 (with a third visit) and a man; three women in Q2; ONE woman in Q3,
	// enrolled 2024-08-09 (the example); four women in Q4.
	for (let i = 0; i < 4; i++) await patient(MS, '2024-02-01', 'female', '1980-05-01', 3);
	await patient(MS, '2024-02-01', 'male', '1950-05-01');
	for (let i = 0; i < 3; i++) await patient(MS, '2024-05-02', 'female', '1980-05-01');
	await patient(MS, '2024-08-09', 'female', '1980-05-01');
	for (let i = 0; i < 4; i++) await patient(MS, '2024-11-04', 'female', '1980-05-01');
	// RA: a man alone in Q1; a man and four women in Q2.
	await patient(RA, '2024-02-01', 'male', '1950-05-01');
	await patient(RA, '2024-05-02', 'male', '1990-05-01');
	for (let i = 0; i < 4; i++) await patient(RA, '2024-05-02', 'female', '1980-05-01');
}, 120_000);
afterAll(() => resetDatabase(db));

function cells(trend: Trend): Map<string, number> {
	const out = new Map<string, number>();
	for (const s of trend.series) for (const p of s.points) out.set(`${s.condition} visit ${p.x}`, p.n);
	for (const r of trend.responders) if (!('suppressed' in r)) out.set(`${r.condition} responders`, r.n);
	return out;
}

/** Pseudonyms per shown quasi-identifier group (condition|sex|age band). */
async function exportGroups(o: ExportOptions): Promise<Map<string, Set<string>>> {
	const plan = await planExport(db, o);
	let text = '';
	for await (const line of exportLines(db, o, plan, SECRET)) text += line;
	const groups = new Map<string, Set<string>>();
	for (const r of text.trim().split('\r\n').slice(1).map((l) => l.split(','))) {
		const g = `${r[1]}|${r[2]}|${r[3]}`;
		groups.set(g, (groups.get(g) ?? new Set()).add(r[0]!));
	}
	return groups;
}

describe(`privacy across queries (${driverName})`, () => {
	it('cohort: two enrolment periods never differ by 1..k−1 patients in any point or responder row', async () => {
		const shown = new Map<string, Map<string, number>>();
		for (const p of PERIODS) shown.set(key(p), cells(await cohortTrend(db, { ...trendQuery, enrolledFrom: p.from, enrolledTo: p.to }, K)));
		const leaks: string[] = [];
		for (const [a, b] of NESTED) {
			const ca = shown.get(key(a))!;
			const cb = shown.get(key(b))!;
			for (const [cell, n] of ca) {
				const m = cb.get(cell);
				if (m !== undefined && Math.abs(n - m) > 0 && Math.abs(n - m) < K) leaks.push(`${key(a)} vs ${key(b)}: ${cell} ${n} vs ${m}`);
			}
		}
		expect(leaks).toEqual([]);
		// Not by showing nothing: whole quarters whose edges hold k patients each side still chart.
		expect(shown.get(key({ to: '2024-03-31' }))!.get(`${MS} visit 1`)).toBe(5);
		expect(shown.get(key({ from: '2024-04-01' }))!.get(`${MS} visit 1`)).toBe(8);
		// The Q1 women's third visits: no patient of that point is near the Q3 edge.
		expect(shown.get(key({ to: '2024-06-30' }))!.get(`${MS} visit 3`)).toBe(4);
		// Unfiltered, as before: every point of k or more.
		expect(shown.get(key({}))!.get(`${MS} visit 1`)).toBe(13);
	});

	it('cohort: a condition’s numbers do not depend on which other conditions are chosen', async () => {
		const both = await cohortTrend(db, { ...trendQuery, enrolledFrom: '2024-04-01' }, K);
		const alone = await cohortTrend(db, { ...trendQuery, conditions: [MS], enrolledFrom: '2024-04-01' }, K);
		// Rounded: the database may sum in another order (the last bit of an SD differed once).
		const rounded = (x: unknown) => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'number' ? Number(v.toFixed(9)) : v)));
		expect(rounded(alone.series)).toEqual(rounded(both.series.filter((s) => s.condition === MS)));
		expect(rounded(alone.responders)).toEqual(rounded(both.responders.filter((r) => r.condition === MS)));
		expect(alone.series[0]!.points.map((p) => p.n)).toEqual([8, 8]);
	});

	it('cohort: a day-precise period is refused below admin, and allowed to an admin', async () => {
		await expect(cohortTrend(db, { ...trendQuery, enrolledFrom: '2023-01-01', enrolledTo: '2024-08-08' }, K)).rejects.toThrow(/whole quarters/);
		const before = await cohortTrend(db, { ...trendQuery, enrolledTo: '2024-08-08', unrestricted: true }, K);
		const after = await cohortTrend(db, { ...trendQuery, enrolledTo: '2024-08-09', unrestricted: true }, K);
		expect(cells(before).get(`${MS} visit 1`)).toBe(8);
		expect(cells(after).get(`${MS} visit 1`)).toBe(9);
	});

	it('export and its preview: two enrolment periods never differ by 1..k−1 patients in any group shown', async () => {
		const shown = new Map<string, Map<string, Set<string>>>();
		for (const p of PERIODS) shown.set(key(p), await exportGroups({ ...exportBase, enrolledFrom: p.from, enrolledTo: p.to }));
		const leaks: string[] = [];
		for (const a of PERIODS) {
			for (const b of PERIODS) {
				const ga = shown.get(key(a))!;
				const gb = shown.get(key(b))!;
				for (const group of new Set([...ga.keys(), ...gb.keys()])) {
					const sa = ga.get(group) ?? new Set();
					const sb = gb.get(group) ?? new Set();
					const differ = [...sa].filter((x) => !sb.has(x)).length;
					if (differ > 0 && differ < K) leaks.push(`${key(a)} vs ${key(b)}: ${group} has ${differ} more`);
				}
			}
		}
		expect(leaks).toEqual([]);
		// Every export stays k-anonymous, and the preview counts what the file holds.
		for (const p of PERIODS) {
			const plan = await planExport(db, { ...exportBase, enrolledFrom: p.from, enrolledTo: p.to });
			const groups = shown.get(key(p))!;
			for (const ids of groups.values()) expect(ids.size).toBeGreaterThanOrEqual(K);
			expect(plan.patients).toBe([...groups.values()].reduce((a, ids) => a + ids.size, 0));
		}
		expect(shown.get(key({ to: '2024-03-31' }))!.get(`${MS}|female|40-44`)?.size).toBe(4);
		expect(shown.get(key({}))!.get(`${MS}|female|40-44`)?.size).toBe(12);
	});

	it('export: choosing fewer conditions never reveals a generalised condition', async () => {
		const both = await exportGroups(exportBase);
		const ms = await exportGroups({ ...exportBase, conditions: [MS] });
		for (const [group, ids] of both) {
			const kept = ms.get(group) ?? new Set();
			const differ = [...ids].filter((x) => !kept.has(x)).length;
			expect(differ === 0 || differ >= K, `${group}: ${differ}`).toBe(true);
		}
		expect([...both.keys()].some((g) => g.startsWith('*|'))).toBe(false);
	});

	it('export: a day-precise period is refused below admin, and allowed to an admin', async () => {
		await expect(planExport(db, { ...exportBase, enrolledTo: '2024-08-09' })).rejects.toThrow(/whole quarters/);
		const before = await planExport(db, { ...exportBase, enrolledTo: '2024-08-08', unrestricted: true });
		const after = await planExport(db, { ...exportBase, enrolledTo: '2024-08-09', unrestricted: true });
		expect(after.patients - before.patients).toBe(1);
	});

	it('refuses the issue’s day-precise request below admin at the field, and audits queries, refusals and previews', async () => {
		const researcher = await makeUser(db, 'researcher');
		const admin = await makeUser(db, 'admin');
		const url = (to: string) => new URL(`http://app.test/api/cohort/trend?instrument=pain_nrs&scale=score&conditions=${MS}&from=2023-01-01&to=${to}`);
		const refused = readTrendRequest(url('2024-08-09'), 'researcher');
		expect(refused).toMatchObject({ ok: false, fields: { to: expect.stringMatching(/whole quarter/) }, message: expect.stringMatching(/^to: /) });
		expect(readTrendRequest(url('2024-08-09'), 'admin')).toMatchObject({ ok: true, query: { enrolledTo: '2024-08-09', unrestricted: true } });
		const allowed = readTrendRequest(url('2024-09-30'), 'researcher');
		expect(allowed).toMatchObject({ ok: true, query: { enrolledFrom: '2023-01-01', enrolledTo: '2024-09-30', unrestricted: false } });

		await auditCohortQuery(db, { id: researcher.id, requestId: 'req-refused' }, 'api', refused);
		await auditCohortQuery(db, { id: researcher.id, requestId: 'req-query' }, 'page', allowed);
		const rows = await db.select().from(auditLog).where(eq(auditLog.entity, 'cohort')).orderBy(desc(auditLog.id)).limit(2);
		expect(rows.map((r) => [r.actorId, r.action, r.requestId])).toEqual([[researcher.id, 'query', 'req-query'], [researcher.id, 'query', 'req-refused']]);
		expect(rows[0]!.after).toEqual({ via: 'page', filters: { instrument: 'pain_nrs', scale: 'score', axis: 'visit', bucket: 2, measure: 'score', conditions: [MS], enrolledFrom: '2023-01-01', enrolledTo: '2024-09-30' } });
		expect(rows[1]!.after).toMatchObject({ via: 'api', filters: { enrolledTo: '2024-08-09' }, refused: { to: expect.any(String) } });
		expect(Date.now() - rows[0]!.at.getTime()).toBeLessThan(60_000);

		const o = { ...exportBase, enrolledTo: '2024-06-30' };
		const plan = await planExport(db, o);
		await auditExportAttempt(db, { id: admin.id }, 'preview', o, { patients: plan.patients });
		const [preview] = await db.select().from(auditLog).where(eq(auditLog.action, 'preview')).orderBy(desc(auditLog.id)).limit(1);
		expect(preview).toMatchObject({ actorId: admin.id, entity: 'export' });
		expect(preview!.after).toMatchObject({ filters: { instruments: ['pain_nrs'], conditions: [MS, RA], enrolledFrom: null, enrolledTo: '2024-06-30' }, options: { k: K }, patients: plan.patients });
		expect(await verifyAuditChain(db)).toMatchObject({ intact: true });
	});
});
