/**
 * What the fuzzed actions work on, made with the app's own domain code and marked with the test's
 * scope tag, so that the fingerprint sees every row they lead to. A fresh target after each
 * accepted request keeps the base payload valid (versions, states and unique values move on).
 */
import { createApiToken } from '../../src/lib/server/auth/tokens';
import type { Db } from '../../src/lib/server/db';
import { beginUpload, appendUpload, dryRun, uploadImport } from '../../src/lib/server/import';
import { IMPORT_FIELDS } from '../../src/lib/import/fields';
import { createPatient, setPatientArchived } from '../../src/lib/server/patients';
import { createUser } from '../../src/lib/server/users';
import { recordVisit, voidVisit } from '../../src/lib/server/visits';
import { recordAdverseEvent, recordFlare } from '../../src/lib/server/safety';
import { createPlan, lockPlan } from '../../src/lib/server/plans';
import { addReferenceEffect } from '../../src/lib/server/plans/reference-effects';
import type { Role } from '../../src/lib/server/db/schema';
import fs from 'node:fs';
import { createSelfReport, openLink, openTablet, setKiosk, setWording, submitSelfReport } from '../../src/lib/server/selfreport';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import { PASSWORD } from './fixtures';

// The placeholder wording the e2e server loads (serve.js), so that these forms can be offered here too.
setWording(JSON.parse(fs.readFileSync('tests/e2e/self-report-wording.json', 'utf8')));
import type { Scope } from './fuzz-harness';

async function* once(data: Uint8Array) {
	yield data;
}

/** Strong enough for the password rules (zxcvbn score 3), unrelated to any marker. */
export const NEW_PASSWORD = 'quokka violet harbour lantern 92';

export class Seeder {
	private n = 0;
	constructor(
		readonly db: Db,
		readonly scope: Scope,
		/** Who the rows are created by (the caller, or a helper admin). */
		readonly actor: { id: string }
	) {}

	uid(): string {
		return `${++this.n}${Date.now().toString(36).slice(-5)}`;
	}
	clinicRef(): string {
		return `FZ${this.scope.tag}-${this.uid()}`;
	}
	name(): string {
		return `Fuzz ${this.scope.tag} ${this.uid()}`;
	}
	email(): string {
		return `fz-${this.scope.tag}-${this.uid()}@clinic.test`;
	}

	async user(role: Role): Promise<{ id: string; email: string }> {
		const email = this.email();
		const result = await createUser(this.db, this.actor, { email, name: this.name(), role, password: PASSWORD });
		if (!result.ok) throw new Error(result.message);
		this.scope.userIds.add(result.value);
		return { id: result.value, email };
	}

	async patient(archived = false): Promise<string> {
		return (await this.patientRow(archived)).id;
	}

	/** A patient, with the values its edit form shows that differ from one patient to the next. */
	async patientRow(archived = false): Promise<{ id: string; clinicRef: string; name: string }> {
		const input = { clinicRef: this.clinicRef(), name: this.name(), dateOfBirth: '1980-05-05', sex: 'female' as const, conditionCode: 'sle', enrolledOn: '2024-01-10' };
		const result = await createPatient(this.db, this.actor, input);
		if (!result.ok) throw new Error(result.message);
		this.scope.patientIds.add(result.value);
		if (archived) {
			const done = await setPatientArchived(this.db, this.actor, result.value, 1, true, 'Fuzz set-up');
			if (!done.ok) throw new Error(done.message);
		}
		return { id: result.value, clinicRef: input.clinicRef, name: input.name };
	}

	/** A visit on a new patient, with a Pain NRS answer. */
	async visit(): Promise<{ id: string; visitId: string }> {
		const id = await this.patient();
		const visit = { visitDate: '2024-03-01', kind: 'baseline' as const, acupunctureSessions: 0, flare: 'unknown' as const, note: null };
		const result = await recordVisit(this.db, this.actor, id, visit, [{ instrumentId: 'pain_nrs', answers: { pain: 5 } }]);
		if (!result.ok) throw new Error(result.message);
		return { id, visitId: result.value };
	}

	/** A voided visit on a new patient (what the restore form is offered for). */
	async voidedVisit(): Promise<{ id: string; visitId: string }> {
		const target = await this.visit();
		const done = await voidVisit(this.db, this.actor, target.visitId, 1, 'Fuzz set-up');
		if (!done.ok) throw new Error(done.message);
		return target;
	}

	/** A visit on a new patient with no questionnaire yet (any form can be offered for self-report). */
	async emptyVisit(): Promise<{ id: string; visitId: string }> {
		const id = await this.patient();
		const visit = { visitDate: '2024-03-01', kind: 'baseline' as const, acupunctureSessions: 0, flare: 'unknown' as const, note: null };
		const result = await recordVisit(this.db, this.actor, id, visit, []);
		if (!result.ok) throw new Error(result.message);
		return { id, visitId: result.value };
	}

	/** A self-report for Pain NRS on a new visit: a link (with its token) or a tablet session; answered when asked. */
	async selfReport(mode: 'link' | 'tablet', answered = false): Promise<{ id: string; visitId: string; linkId: string; token: string }> {
		const visit = await this.emptyVisit();
		// A link is always someone's: an anonymous caller's set-up creates it as a new clinician.
		const creator = this.actor.id ? this.actor : { id: (await this.user('clinician')).id };
		const made = await createSelfReport(this.db, creator, visit.visitId, mode, ['pain_nrs'], 24);
		if (!made.ok) throw new Error(made.message);
		if (answered) {
			const open = mode === 'link' ? await openLink(this.db, made.token!) : await openTablet(this.db, made.id);
			const done = await submitSelfReport(this.db, open!, [{ instrumentId: 'pain_nrs', answers: { pain: 4 } }]);
			if (!done.ok) throw new Error('submission refused');
		}
		return { ...visit, linkId: made.id, token: made.token ?? '' };
	}

	/** A session of `userId` in patient mode for a new tablet self-report, as its cookie header. */
	async kioskCookie(userId: string): Promise<string> {
		const { linkId } = await this.selfReport('tablet');
		const token = generateSessionToken();
		const session = await createSession(this.db, token, userId, { idleMinutes: 60, maxHours: 12 });
		await setKiosk(this.db, session.id, linkId);
		return `${SESSION_COOKIE}=${token}`;
	}

	/** An adverse event (serious when asked) on a new patient. */
	async adverseEvent(serious = false): Promise<{ id: string; eventId: string }> {
		const id = await this.patient();
		const result = await recordAdverseEvent(this.db, this.actor, id, {
			onsetOn: '2024-03-01',
			visitId: null,
			categoryCode: 'headache',
			categoryDetail: null,
			severity: serious ? 'severe' : 'mild',
			serious,
			seriousCriteria: serious ? ['hospitalisation'] : [],
			relatedness: 'possible',
			actionTaken: 'none',
			outcome: 'recovered',
			resolvedOn: '2024-03-02',
			note: null
		});
		if (!result.ok) throw new Error(result.message);
		return { id, eventId: result.value };
	}

	/** A flare episode on a new patient. */
	async flare(): Promise<{ id: string; flareId: string }> {
		const id = await this.patient();
		const result = await recordFlare(this.db, this.actor, id, { onsetOn: '2024-03-01', endedOn: null, severity: 'mild', triggers: ['stress'], treatmentChanged: false, note: null });
		if (!result.ok) throw new Error(result.message);
		return { id, flareId: result.value };
	}

	/** An analysis plan by the caller (a draft, or locked when asked). */
	async plan(locked = false): Promise<string> {
		const { id } = await createPlan(this.db, this.actor, { title: this.name(), conditions: ['sle'], primary: { instrument: 'pain_nrs', scale: 'score' }, timepoint: { weeks: 8, window_weeks: 2 }, secondary: [], primary_population: 'completers' });
		if (locked) {
			const done = await lockPlan(this.db, this.actor, id);
			if (!done.ok) throw new Error(done.message);
		}
		return id;
	}

	/** A published effect, marked with the scope's tag. */
	async referenceEffect(): Promise<string> {
		const r = await addReferenceEffect(this.db, this.actor, { citation: this.name(), population: 'Fuzz', conditionCode: null, instrumentId: 'pain_nrs', scale: 'score', measure: 'mean_change', effect: -1, ciLow: -2, ciHigh: 0 });
		if (!r.ok) throw new Error(r.message);
		return r.value;
	}

	async token(userId: string): Promise<string> {
		return (await createApiToken(this.db, { id: userId }, `Fuzz ${this.scope.tag} token`)).id;
	}

	/** A one-row CSV in the template's own columns and one answer, unique per call (a file can be committed once). */
	csv(): Buffer {
		const row: Record<string, string> = {
			clinic_ref: this.clinicRef(),
			name: this.name(),
			date_of_birth: '1980-05-05',
			sex: 'female',
			condition: 'sle',
			enrolled_on: '2024-01-10',
			visit_date: '2024-03-01',
			visit_kind: 'baseline',
			acupuncture_sessions: '0',
			flare: 'no',
			note: '',
			pain_nrs__pain: '4'
		};
		const keys = IMPORT_FIELDS.filter((f) => f.group !== 'answers' || f.key === 'pain_nrs__pain').map((f) => f.key);
		return Buffer.from(`${keys.join(',')}\n${keys.map((k) => row[k] ?? '').join(',')}\n`);
	}

	/** An uploaded import with the proposed mapping (complete for the template's columns); validated when asked. */
	async importReady(validated = false): Promise<string> {
		const result = await uploadImport(this.db, this.actor, `fuzz-${this.scope.tag}.csv`, once(this.csv()));
		if (!result.ok) throw new Error(result.message);
		if (validated) {
			const run = await dryRun(this.db, this.actor, result.id);
			if (!run.ok) throw new Error(run.message);
		}
		return result.id;
	}

	/** An upload begun, with `parts` parts stored. */
	async uploadStarted(parts: number): Promise<string> {
		const id = await beginUpload(this.db, this.actor, `fuzz-${this.scope.tag}.csv`);
		for (let seq = 0; seq < parts; seq++) {
			const r = await appendUpload(this.db, this.actor, id, seq, this.csv());
			if (!r.ok) throw new Error(r.message);
		}
		return id;
	}
}
