/**
 * The anonymised export's events file (both drivers): a hand-built cohort's adverse events and
 * flare episodes written out by hand below — under the main file's pseudonyms and baseline, for
 * its patients only, with no free text or calendar date — and its download's audit row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { auditLog } from '../../src/lib/server/db/schema';
import { createPatient } from '../../src/lib/server/patients';
import { recordVisit } from '../../src/lib/server/visits';
import { recordAdverseEvent, recordFlare, updateAdverseEvent, updateFlare } from '../../src/lib/server/safety';
import { exportLines, planExport, pseudonymiser, type ExportOptions } from '../../src/lib/server/export';
import { eventChunks } from '../../src/lib/server/export/events';
import { exportRequest, exportResponse } from '../../src/lib/server/export/download';
import { codebook } from '../../src/lib/server/export/codebook';
import type { AdverseEventInput, FlareInput } from '../../src/lib/validation/safety';
import { driverName, resetDatabase, testDatabase } from './db';
import { makeUser } from './helpers';

let db: Db;
let actorId: string;
const SECRET = 'integration-secret-events-0123456789abcdef';
const base: ExportOptions = { instruments: ['pain_nrs'], conditions: [], includeItems: false, pseudonyms: 'stable', k: 3 };
const ids: string[] = [];

const ae = (over: Partial<AdverseEventInput>): AdverseEventInput => ({
	onsetOn: '2025-01-12',
	visitId: null,
	categoryCode: 'nausea',
	categoryDetail: null,
	severity: 'mild',
	serious: false,
	seriousCriteria: [],
	relatedness: 'possible',
	actionTaken: 'none',
	outcome: 'recovered',
	resolvedOn: null,
	note: 'Secret note about Jane',
	...over
});
const flare = (over: Partial<FlareInput>): FlareInput => ({ onsetOn: '2025-01-15', endedOn: null, severity: 'moderate', triggers: [], treatmentChanged: false, note: '=HYPERLINK("x")', ...over });
async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; message: string }>): Promise<T> {
	const r = await p;
	if (!r.ok) throw new Error(r.message);
	return r.value;
}

async function text(gen: AsyncGenerator<{ data: string | Uint8Array }>) {
	let out = '';
	for await (const c of gen) out += typeof c.data === 'string' ? c.data : new TextDecoder().decode(c.data);
	return out;
}

beforeAll(async () => {
	db = (await testDatabase()).db;
	await resetDatabase(db);
	const actor = await makeUser(db, 'clinician');
	actorId = actor.id;
	// Three women of 41–43 with multiple sclerosis (one group of 3 = k), and a man of 70 alone: left out of both files.
	const people: [string, string][] = [['1983-06-01', 'female'], ['1982-06-01', 'female'], ['1984-06-01', 'female'], ['1955-01-01', 'male']];
	for (const [i, [dob, sex]] of people.entries()) {
		const p = await ok(createPatient(db, actor, { clinicRef: `EV-${i}`, name: `Secret Name ${i}`, dateOfBirth: dob, sex: sex as 'female', conditionCode: 'multiple_sclerosis', enrolledOn: '2025-01-01' }));
		ids.push(p);
		// Patient 1's first visit has no pain score: the export's baseline is its first exported visit, 2025-01-10, as in the main file.
		if (i === 1) await ok(recordVisit(db, actor, p, { visitDate: '2025-01-05', kind: 'baseline', acupunctureSessions: 0, aeAnswer: 'none', note: null }, []));
		for (const [date, pain] of [['2025-01-10', 6], ['2025-01-31', 4]] as const) {
			await ok(recordVisit(db, actor, p, { visitDate: date, kind: 'treatment', acupunctureSessions: 1, aeAnswer: 'yes', note: null }, [{ instrumentId: 'pain_nrs', answers: { pain } }]));
		}
	}
	const [p0, p1, , man] = ids as [string, string, string, string];
	await ok(recordAdverseEvent(db, actor, p0, ae({ onsetOn: '2025-01-12', categoryCode: 'other', categoryDetail: 'Secret detail', severity: 'moderate', serious: true, seriousCriteria: ['other_important', 'hospitalisation'], actionTaken: 'medical_care', resolvedOn: '2025-01-20' })));
	await ok(recordFlare(db, actor, p0, flare({ onsetOn: '2025-01-15', endedOn: '2025-01-18', severity: 'severe', triggers: ['stress', 'infection'], treatmentChanged: true })));
	await ok(recordAdverseEvent(db, actor, p1, ae({ onsetOn: '2025-01-06', relatedness: 'unlikely', outcome: 'recovering' })));
	await ok(recordFlare(db, actor, p1, flare({ onsetOn: '2025-01-31', severity: 'mild' })));
	const voided = await ok(recordAdverseEvent(db, actor, p1, ae({ onsetOn: '2025-01-20', categoryCode: 'headache' })));
	await ok(updateAdverseEvent(db, actor, voided, 1, { voided: true, voidReason: 'duplicate' }, 'duplicate').then((r) => (r.ok ? { ok: true as const, value: null } : { ok: false as const, message: 'void' })));
	const voidedFlare = await ok(recordFlare(db, actor, p1, flare({ onsetOn: '2025-01-25' })));
	await ok(updateFlare(db, actor, voidedFlare, 1, { voided: true, voidReason: 'not a flare' }, 'not a flare').then((r) => (r.ok ? { ok: true as const, value: null } : { ok: false as const, message: 'void' })));
	await ok(recordAdverseEvent(db, actor, man, ae({ onsetOn: '2025-01-11', categoryCode: 'headache' })));
	await ok(recordFlare(db, actor, man, flare({ onsetOn: '2025-01-11' })));
});
afterAll(() => resetDatabase(db));

describe(`the export's events file (${driverName})`, () => {
	it('writes each live event and flare of the exported patients, as worked out by hand, under the main file’s pseudonyms', async () => {
		const plan = await planExport(db, base, { countRows: false });
		expect(plan).toMatchObject({ patients: 3, suppressedPatients: 1 });
		const file = await text(eventChunks(db, base, plan, SECRET, 2));
		const name = pseudonymiser('stable', SECRET);
		const [p0, p1] = ids as [string, string];
		// Days from 2025-01-10; days to the end from the onset; codes in a cell sorted and joined by ';'.
		const rows: [string, string][] = [
			[p0, `${name(p0)},adverse_event,2,other,moderate,yes,hospitalisation;other_important,possible,medical_care,recovered,8,,,`],
			[p0, `${name(p0)},flare,5,,severe,,,,,,3,no,infection;stress,yes`],
			[p1, `${name(p1)},adverse_event,-4,nausea,mild,no,,unlikely,none,recovering,,,,`],
			[p1, `${name(p1)},flare,21,,mild,,,,,,,yes,,no`]
		];
		// Patients in the plan's order (their ids' order), then by days.
		rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
		const header = 'pseudonym,record,days_since_baseline,category,severity,serious,seriousness_criteria,relatedness,action_taken,outcome,days_to_end,ongoing,triggers,treatment_changed';
		expect(file).toBe([header, ...rows.map((r) => r[1])].join('\r\n') + '\r\n');
		expect(file).not.toMatch(/Secret|EV-\d|2025-|HYPERLINK|Jane/);
		// Every pseudonym is one of the main file's.
		let main = '';
		for await (const line of exportLines(db, base, plan, SECRET)) main += line;
		const mainNames = new Set(main.trim().split('\r\n').slice(1).map((l) => l.split(',')[0]));
		const eventNames = new Set(file.trim().split('\r\n').slice(1).map((l) => l.split(',')[0]));
		expect(mainNames.size).toBe(3);
		for (const n of eventNames) expect(mainNames.has(n)).toBe(true);
		// k = 5: nobody reaches it (even with sex and age generalised), and the file is its header alone.
		const none = await planExport(db, { ...base, k: 5 }, { countRows: false });
		expect(await text(eventChunks(db, { ...base, k: 5 }, none, SECRET))).toBe(header + '\r\n');
	});

	it('is audited with the SHA-256 of the bytes sent, and refused with unlinkable pseudonyms', async () => {
		const plan = await planExport(db, base, { countRows: false });
		const response = exportResponse({ read: db, write: db }, base, plan, SECRET, { id: actorId, requestId: 'req-events' }, 'events');
		expect(response.headers.get('content-disposition')).toContain('outcome-tracker-events.csv');
		const bytes = Buffer.from(await response.arrayBuffer());
		const [row] = await db.select().from(auditLog).where(eq(auditLog.action, 'export')).orderBy(desc(auditLog.id)).limit(1);
		expect(row).toMatchObject({ actorId, entity: 'export', requestId: 'req-events' });
		expect(row!.after).toMatchObject({ file: 'events', rows: 4, patients: 3, suppressedPatients: 1, sha256: createHash('sha256').update(bytes).digest('hex') });
		const refused = await exportRequest({ read: db, write: db }, new URL('http://x/export/events?instruments=pain_nrs&pseudonyms=unlinkable'), SECRET, { id: actorId, role: 'researcher' }, 'events');
		expect(refused.status).toBe(400);
		expect(((await refused.json()) as { message: string }).message).toMatch(/stable pseudonyms/);
	});

	it('has codebook entries for every column', () => {
		const book = codebook(base, [{ code: 'multiple_sclerosis', label: 'Multiple sclerosis' }], [{ code: 'nausea', label: 'Nausea' }]);
		const section = book.slice(book.indexOf('## Events file'));
		for (const col of ['pseudonym', 'record', 'days_since_baseline', 'category', 'severity', 'serious', 'seriousness_criteria', 'relatedness', 'action_taken', 'outcome', 'days_to_end', 'ongoing', 'triggers', 'treatment_changed']) {
			expect(section).toContain(`| ${col} |`);
		}
		expect(section).toContain('- `nausea`: Nausea');
		expect(codebook({ ...base, pseudonyms: 'unlinkable' }, [])).toMatch(/Events file[\s\S]*Not available with unlinkable pseudonyms/);
	});
});
