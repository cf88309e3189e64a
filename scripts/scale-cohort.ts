/**
 * `npx tsx scripts/scale-cohort.ts --from DB --to DB --times N`: a benchmark database N times the
 * size of a seeded one, in minutes instead of hours (the seed writes 20,000 patients in 5–35
 * minutes on this 2-core machine: 200,000 would take hours). The target is created as a copy
 * of the source (CREATE DATABASE … TEMPLATE: nothing may be connected to the source), then every
 * patient is copied N − 1 times with new ids and a clinic reference suffixed "-xK", with their
 * visits, responses, scores, flare episodes, adverse events and safety alerts (new ids, same
 * dates and values). So the cohort has the seed's distributions exactly, each patient N times;
 * what scales is the number of rows every statement reads, which is what the benchmark measures.
 * Not copied: the audit log, self-report links and answers, import history (no figure reads
 * them). The copies are inserted with triggers and foreign-key checks off (one bulk statement per
 * table), then everything derived is rebuilt from the base tables: the safety summaries and score
 * values (their own refresh functions, migrations 0033 and 0035), the panels kept for locked
 * plans (report_panel_fill, migration 0039), the cohort rollup
 * (rebuildRollups), statistics (ANALYZE) and the visibility map (VACUUM), as a seeded database
 * that autovacuum has visited would have them.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openDatabase } from '../src/lib/server/db';
import { rebuildRollups } from '../src/lib/server/cohort/rollup';

const { values } = parseArgs({
	options: {
		from: { type: 'string' },
		to: { type: 'string' },
		times: { type: 'string', default: '10' },
		server: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' }
	}
});
const times = Number(values.times);
if (!values.from || !values.to || !Number.isInteger(times) || times < 2) throw new Error('--from DB --to DB --times N (N ≥ 2)');
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const started = performance.now();
const log = (m: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s] ${m}`);

const admin = postgres(`${values.server}/postgres`, { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists ${ident(values.to)} with (force)`);
await admin.unsafe(`create database ${ident(values.to)} template ${ident(values.from)}`);
await admin.end();
log(`copied ${values.from} to ${values.to}`);

const url = `${values.server}/${values.to}`;
const pg = postgres(url, { max: 1, onnotice: () => {} });
await pg.begin(async (tx) => {
	await tx.unsafe(`set local session_replication_role = replica`);
	await tx.unsafe(`set local work_mem = '256MB'`);
	// Old id → new id, per copy k = 1 … N − 1.
	await tx.unsafe(`create temp table pmap on commit drop as select p.id as old, k, gen_random_uuid() as new from patients p cross join generate_series(1, ${times - 1}) k`);
	await tx.unsafe(`create temp table vmap on commit drop as select v.id as old, m.k, gen_random_uuid() as new, m.new as patient from visits v join pmap m on m.old = v.patient_id`);
	await tx.unsafe(`create temp table rmap on commit drop as select r.id as old, m.k, gen_random_uuid() as new, m.new as visit from responses r join vmap m on m.old = r.visit_id`);
	for (const t of ['pmap', 'vmap', 'rmap']) await tx.unsafe(`create index on ${t} (old, k)`);
	await tx.unsafe(`analyze pmap, vmap, rmap`);
	log('id maps made');
	await tx.unsafe(`insert into patients (id, clinic_ref, name, date_of_birth, sex, condition_code, enrolled_on, archived, version, created_at, updated_at)
		select m.new, p.clinic_ref || '-x' || m.k, p.name, p.date_of_birth, p.sex, p.condition_code, p.enrolled_on, p.archived, p.version, p.created_at, p.updated_at
		from patients p join pmap m on m.old = p.id`);
	await tx.unsafe(`insert into visits (id, patient_id, visit_date, kind, acupuncture_sessions, flare, note, version, voided, void_reason, created_by, created_at, updated_at, ae_answer)
		select m.new, m.patient, v.visit_date, v.kind, v.acupuncture_sessions, v.flare, v.note, v.version, v.voided, v.void_reason, v.created_by, v.created_at, v.updated_at, v.ae_answer
		from visits v join vmap m on m.old = v.id`);
	log('patients and visits copied');
	await tx.unsafe(`insert into responses (id, visit_id, instrument_id, instrument_version, scoring_version, answers, version, entered_by, created_at, updated_at, definition_id, definition_version, definition_sha256, source)
		select m.new, m.visit, r.instrument_id, r.instrument_version, r.scoring_version, r.answers, r.version, r.entered_by, r.created_at, r.updated_at, r.definition_id, r.definition_version, r.definition_sha256, r.source
		from responses r join rmap m on m.old = r.id`);
	log('responses copied');
	await tx.unsafe(`insert into response_scores (response_id, instrument_id, scale, value)
		select m.new, s.instrument_id, s.scale, s.value from response_scores s join rmap m on m.old = s.response_id`);
	log('scores copied');
	await tx.unsafe(`insert into flare_episodes (id, patient_id, onset_on, ended_on, severity, triggers, treatment_changed, note, version, voided, void_reason, created_by, created_at, updated_at)
		select gen_random_uuid(), m.new, f.onset_on, f.ended_on, f.severity, f.triggers, f.treatment_changed, f.note, f.version, f.voided, f.void_reason, f.created_by, f.created_at, f.updated_at
		from flare_episodes f join pmap m on m.old = f.patient_id`);
	await tx.unsafe(`insert into adverse_events (id, patient_id, visit_id, onset_on, category_code, category_detail, severity, serious, serious_criteria, relatedness, action_taken, outcome, resolved_on, note, acknowledged_at, acknowledged_by, version, voided, void_reason, created_by, created_at, updated_at)
		select gen_random_uuid(), m.new, vm.new, a.onset_on, a.category_code, a.category_detail, a.severity, a.serious, a.serious_criteria, a.relatedness, a.action_taken, a.outcome, a.resolved_on, a.note, a.acknowledged_at, a.acknowledged_by, a.version, a.voided, a.void_reason, a.created_by, a.created_at, a.updated_at
		from adverse_events a join pmap m on m.old = a.patient_id left join vmap vm on vm.old = a.visit_id and vm.k = m.k`);
	await tx.unsafe(`insert into safety_alerts (id, kind, patient_id, visit_id, response_id, value, raised_at, raised_by, acknowledged_at, acknowledged_by)
		select gen_random_uuid(), s.kind, m.new, vm.new, rm.new, s.value, s.raised_at, s.raised_by, s.acknowledged_at, s.acknowledged_by
		from safety_alerts s join pmap m on m.old = s.patient_id
		left join vmap vm on vm.old = s.visit_id and vm.k = m.k
		left join rmap rm on rm.old = s.response_id and rm.k = m.k`);
	log('flares, adverse events and alerts copied');
	await tx.unsafe(`set local session_replication_role = origin`);
	// Statistics of the copied tables first: the refresh functions' statements are planned from them.
	await tx.unsafe(`analyze patients, visits, responses, response_scores, flare_episodes, adverse_events`);
	// The derived rows of the new patients, by the database's own functions.
	await tx.unsafe(`select safety_summaries_refresh(array(select new from pmap))`);
	log('safety summaries built');
	await tx.unsafe(`select score_values_refresh(array(select new from pmap))`);
	log('score values built');
	// Every locked plan's kept panel (migration 0039), for all its patients.
	await tx.unsafe(`select report_panel_fill(version_id) from report_panels`);
	log('kept report panels built');
});
await pg.end();

const database = await openDatabase({ url, max: 2, migrate: false });
await rebuildRollups(database.db);
log('cohort rollup rebuilt');
await database.close();
const vac = postgres(url, { max: 1, onnotice: () => {} });
await vac.unsafe('vacuum analyze');
const [{ patients }] = await vac`select count(*)::int as patients from patients`;
await vac.end();
log(`vacuumed and analysed: ${patients} patients`);
process.exit(0);
