import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { executeRows } from '../../src/lib/server/db';
import { auditLog, responses, selfReportAnswers, selfReportLinks } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { patientVisits, recordVisit, voidVisit } from '../../src/lib/server/visits';
import {
	acceptSelfReport,
	awaitingReview,
	createSelfReport,
	discardSelfReport,
	linkLookupThrottled,
	noteFailedLinkLookup,
	openLink,
	openTablet,
	revokeSelfReport,
	selfReportChoices,
	setWording,
	submitSelfReport
} from '../../src/lib/server/selfreport';
import { exportLines, planExport } from '../../src/lib/server/export';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let clinician: { id: string };
let n = 0;

// Placeholder wording of our own (the app never ships an instrument's real wording).
const WORDING = {
	who5: Object.fromEntries(['1', '2', '3', '4', '5'].map((k) => [k, `Test statement ${k}`])),
	pain_nrs: { pain: 'Test question about pain' }
};

async function newVisit(date = '2025-02-01') {
	n++;
	const p = await createPatient(db, clinician, { clinicRef: `SR-${n}`, name: `Self Report ${n}`, dateOfBirth: '1980-01-01', sex: 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-01' });
	if (!p.ok) throw new Error(p.message);
	const v = await recordVisit(db, clinician, p.value, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, flare: 'no', note: null }, []);
	if (!v.ok) throw new Error(v.message);
	return { patientId: p.value, visitId: v.value };
}

const who5 = (a: number[]) => ({ instrumentId: 'who5', answers: Object.fromEntries(a.map((x, i) => [String(i + 1), x])) });

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	clinician = await makeUser(db, 'clinician');
	setWording(WORDING);
});
afterAll(async () => {
	setWording(null);
	await resetDatabase(db);
});

describe(`self-report (${driverName})`, () => {
	it('offers only forms with item wording, and says why the others are not', async () => {
		const choices = selfReportChoices();
		expect(choices.find((c) => c.id === 'who5')?.problem).toBeNull();
		expect(choices.find((c) => c.id === 'fss9')?.problem).toMatch(/no item wording/);
		expect(choices.find((c) => c.id === 'haq_di')?.problem).toMatch(/recorded as a score/);
		const { visitId } = await newVisit();
		const refused = await createSelfReport(db, clinician, visitId, 'link', ['fss9']);
		expect(refused).toMatchObject({ ok: false, field: 'instruments' });
		expect(await db.select().from(selfReportLinks).where(eq(selfReportLinks.visitId, visitId))).toHaveLength(0);
	});

	it('a link: 160-bit token stored only as its hash, single use, answers await review', async () => {
		const { visitId } = await newVisit();
		const made = await createSelfReport(db, clinician, visitId, 'link', ['who5', 'pain_nrs']);
		if (!made.ok) throw new Error(made.message);
		expect(made.token).toMatch(/^[a-z2-7]{32}$/);
		expect(made.expiresAt.getTime() - Date.now()).toBeGreaterThan(71.9 * 3_600_000);
		const [row] = await db.select().from(selfReportLinks).where(eq(selfReportLinks.id, made.id));
		expect(row!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
		expect(JSON.stringify(await executeRows(db, sql`select * from self_report_links, audit_log`))).not.toContain(made.token);

		const open = await openLink(db, made.token!);
		expect(open).toMatchObject({ id: made.id, visitId, instruments: ['who5', 'pain_nrs'] });
		expect(await openLink(db, made.token!.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).toBeNull();
		expect(await openLink(db, 'not a token')).toBeNull();

		// A bad answer (out of range) or a form left out: refused at the item, nothing stored, link still open.
		const bad = await submitSelfReport(db, open!, [who5([5, 5, 9, 5, 5]), { instrumentId: 'pain_nrs', answers: { pain: 3 } }]);
		expect(bad).toMatchObject({ ok: false, reason: 'answers' });
		expect(bad.ok === false && bad.reason === 'answers' && bad.errors.who5?.[0]?.item).toBe('3');
		expect(await submitSelfReport(db, open!, [who5([5, 5, 5, 5, 5])])).toMatchObject({ ok: false, reason: 'answers' });
		expect(await db.select().from(selfReportAnswers).where(eq(selfReportAnswers.linkId, made.id))).toHaveLength(0);
		expect(await openLink(db, made.token!)).not.toBeNull();

		const good = [who5([3, 4, 2, 5, 1]), { instrumentId: 'pain_nrs', answers: { pain: 6 } }];
		expect(await submitSelfReport(db, open!, good)).toEqual({ ok: true });
		// Single use: the link no longer opens, and a second submission (say, a second tab) is refused.
		expect(await openLink(db, made.token!)).toBeNull();
		expect(await submitSelfReport(db, open!, good)).toEqual({ ok: false, reason: 'gone' });

		const awaiting = await awaitingReview(db, visitId);
		expect(awaiting.map((a) => [a.instrumentId, a.scores])).toEqual([
			['pain_nrs', { score: 6 }],
			['who5', { raw: 15, percentage: 60 }]
		]);
		// Nothing is a response until a clinician accepts it.
		expect(await db.select().from(responses).where(eq(responses.visitId, visitId))).toHaveLength(0);
	});

	it('expired and revoked links open nothing; revoking a used one is refused', async () => {
		const { visitId } = await newVisit();
		const past = new Date(Date.now() - 5 * 3_600_000);
		const expired = await createSelfReport(db, clinician, visitId, 'link', ['who5'], 1, past);
		if (!expired.ok) throw new Error(expired.message);
		expect(await openLink(db, expired.token!)).toBeNull();

		const revoked = await createSelfReport(db, clinician, visitId, 'link', ['who5'], 24);
		if (!revoked.ok) throw new Error(revoked.message);
		const open = await openLink(db, revoked.token!);
		expect(await revokeSelfReport(db, clinician, revoked.id)).toBe('revoked');
		expect(await openLink(db, revoked.token!)).toBeNull();
		// A page opened before the revocation cannot submit after it.
		expect(await submitSelfReport(db, open!, [who5([1, 1, 1, 1, 1])])).toEqual({ ok: false, reason: 'gone' });
		expect(await revokeSelfReport(db, clinician, revoked.id)).toBe('revoked');
		expect(await revokeSelfReport(db, clinician, '00000000-0000-4000-8000-000000000000')).toBe('missing');

		const used = await createSelfReport(db, clinician, visitId, 'link', ['who5'], 24);
		if (!used.ok) throw new Error(used.message);
		expect(await submitSelfReport(db, (await openLink(db, used.token!))!, [who5([1, 1, 1, 1, 1])])).toEqual({ ok: true });
		expect(await revokeSelfReport(db, clinician, used.id)).toBe('used');

		const hours = await createSelfReport(db, clinician, visitId, 'link', ['who5'], 0);
		expect(hours).toMatchObject({ ok: false, field: 'hours' });
		// The database refuses what the code would: a link without a token, a week-long … month-plus expiry.
		await expect(db.insert(selfReportLinks).values({ visitId, mode: 'link', instruments: ['who5'], expiresAt: new Date(Date.now() + 3_600_000), createdBy: clinician.id })).rejects.toThrow();
		await expect(db.insert(selfReportLinks).values({ visitId, mode: 'tablet', instruments: ['who5'], expiresAt: new Date(Date.now() + 40 * 86_400_000), createdBy: clinician.id })).rejects.toThrow();
	});

	it('throttles failed link look-ups per address, apart from sign-in', async () => {
		const address = `203.0.113.${Math.floor(Math.random() * 200)}`;
		for (let i = 0; i < 9; i++) await noteFailedLinkLookup(db, address);
		expect(await linkLookupThrottled(db, address, { windowMinutes: 15, max: 10 })).toBe(false);
		await noteFailedLinkLookup(db, address);
		expect(await linkLookupThrottled(db, address, { windowMinutes: 15, max: 10 })).toBe(true);
		expect(await linkLookupThrottled(db, '203.0.113.250', { windowMinutes: 15, max: 10 })).toBe(false);
	});

	it('a clinician corrects one answer with a reason and accepts: responses with their source, audit rows, export column', async () => {
		const { patientId, visitId } = await newVisit();
		const tablet = await createSelfReport(db, clinician, visitId, 'tablet', ['who5', 'pain_nrs']);
		if (!tablet.ok) throw new Error(tablet.message);
		expect(tablet.token).toBeNull();
		const open = await openTablet(db, tablet.id);
		expect(await submitSelfReport(db, open!, [who5([3, 4, 2, 5, 1]), { instrumentId: 'pain_nrs', answers: { pain: 6 } }])).toEqual({ ok: true });

		const corrected = [who5([3, 4, 2, 5, 2]), { instrumentId: 'pain_nrs', answers: { pain: 6 } }];
		expect(await acceptSelfReport(db, clinician, tablet.id, corrected, null)).toMatchObject({ ok: false, field: 'reason' });
		expect(await acceptSelfReport(db, clinician, tablet.id, [who5([3, 4, 2, 5, 7]), corrected[1]!], 'typo')).toMatchObject({ ok: false, field: 'instruments' });
		expect(await db.select().from(responses).where(eq(responses.visitId, visitId))).toHaveLength(0);

		expect(await acceptSelfReport(db, clinician, tablet.id, corrected, 'Patient said item 5 was meant as 2')).toEqual({ ok: true });
		const stored = await db.select().from(responses).where(eq(responses.visitId, visitId));
		expect(stored.map((r) => [r.instrumentId, r.source]).sort()).toEqual([
			['pain_nrs', 'patient_tablet'],
			['who5', 'patient_tablet']
		]);
		const visits = await patientVisits(db, patientId);
		expect(visits[0]!.responses.find((r) => r.instrumentId === 'who5')).toMatchObject({ source: 'patient_tablet', scores: { raw: 16, percentage: 64 } });
		expect(await awaitingReview(db, visitId)).toEqual([]);
		expect(await acceptSelfReport(db, clinician, tablet.id, corrected, 'again')).toMatchObject({ ok: false, field: 'form' });

		const who5Response = stored.find((r) => r.instrumentId === 'who5')!;
		const audit = await db.select().from(auditLog).where(eq(auditLog.entityId, who5Response.id));
		expect(audit.map((a) => a.action).sort()).toEqual(['correct', 'create']);
		const correction = audit.find((a) => a.action === 'correct')!;
		expect(correction).toMatchObject({ reason: 'Patient said item 5 was meant as 2', before: { answers: { '5': 1 }, source: 'patient_tablet' }, after: { answers: { '5': 2 } } });
		expect(audit.find((a) => a.action === 'create')!.after).toMatchObject({ source: 'patient_tablet' });
		expect(await db.select().from(auditLog).where(and(eq(auditLog.entityId, tablet.id), eq(auditLog.action, 'accept')))).toHaveLength(1);

		// The export says who gave the answers.
		const o = { instruments: ['who5'], conditions: [], includeItems: false, pseudonyms: 'stable' as const, k: 1, unrestricted: true };
		const plan = await planExport(db, o);
		let text = '';
		for await (const line of exportLines(db, o, plan, 'integration-secret-0123456789abcdef0123', 'auto', 10)) text += line;
		const rows = text.trim().split('\r\n').map((l) => l.split(','));
		const col = rows[0]!.indexOf('source');
		expect(col).toBeGreaterThan(0);
		expect(rows.slice(1).map((r) => r[col])).toEqual(['patient_tablet', 'patient_tablet']);
	});

	it('a link accepted unchanged is stored as patient_link; a discarded one stores nothing and keeps its reason', async () => {
		const { visitId } = await newVisit();
		const link = await createSelfReport(db, clinician, visitId, 'link', ['pain_nrs']);
		if (!link.ok) throw new Error(link.message);
		await submitSelfReport(db, (await openLink(db, link.token!))!, [{ instrumentId: 'pain_nrs', answers: { pain: 2 } }]);
		expect(await acceptSelfReport(db, clinician, link.id, [{ instrumentId: 'pain_nrs', answers: { pain: 2 } }], null)).toEqual({ ok: true });
		const [r] = await db.select().from(responses).where(eq(responses.visitId, visitId));
		expect(r).toMatchObject({ source: 'patient_link', answers: { pain: 2 } });
		// Once the visit has the form, another self-report for it is refused.
		expect(await createSelfReport(db, clinician, visitId, 'link', ['pain_nrs'])).toMatchObject({ ok: false, field: 'instruments' });

		const other = await newVisit();
		const second = await createSelfReport(db, clinician, other.visitId, 'link', ['pain_nrs']);
		if (!second.ok) throw new Error(second.message);
		await submitSelfReport(db, (await openLink(db, second.token!))!, [{ instrumentId: 'pain_nrs', answers: { pain: 9 } }]);
		expect(await discardSelfReport(db, clinician, second.id, 'Answered by a relative')).toEqual({ ok: true });
		expect(await awaitingReview(db, other.visitId)).toEqual([]);
		expect(await db.select().from(responses).where(eq(responses.visitId, other.visitId))).toHaveLength(0);
		const [kept] = await db.select().from(selfReportAnswers).where(eq(selfReportAnswers.linkId, second.id));
		expect(kept).toMatchObject({ discardReason: 'Answered by a relative', answers: { pain: 9 } });
	});

	it('a voided visit takes no self-report, and its open link stops working', async () => {
		const { visitId } = await newVisit();
		const link = await createSelfReport(db, clinician, visitId, 'link', ['pain_nrs']);
		if (!link.ok) throw new Error(link.message);
		const voided = await voidVisit(db, clinician, visitId, 1, 'Wrong patient');
		expect(voided.ok).toBe(true);
		expect(await openLink(db, link.token!)).toBeNull();
		expect(await createSelfReport(db, clinician, visitId, 'tablet', ['pain_nrs'])).toMatchObject({ ok: false, field: 'visit' });
	});
});
