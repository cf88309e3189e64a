/**
 * The stored definitions this process scores and labels with. Every signed-in request (and the
 * start-up) compares one digest of the stored set's versions and statuses with the one installed,
 * and reloads only when it changed: N copies of the app behind a load balancer follow an admin's
 * activation on their next request, without holding state of their own.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { canonicalJson } from '../../instruments/canonical';
import { bundledInstrument, installInstruments, type InstrumentSet } from '../../instruments/registry';
import type { Questionnaire } from '../../instruments/fhir';
import type { InstrumentDef } from '../../instruments/types';
import { executeRows, type Db } from '../db';

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const digests = new WeakMap<object, { text: string; sha256: string }>();

/** A definition's canonical text and its SHA-256 (what instrument_definitions stores). */
export function canonicalOf(q: Questionnaire): { text: string; sha256: string } {
	let d = digests.get(q);
	if (!d) {
		const text = canonicalJson(q);
		d = { text, sha256: sha256Hex(text) };
		digests.set(q, d);
	}
	return d;
}

/** The stored definition a score computed with `def` names. */
export function definitionRef(def: InstrumentDef): { definitionId: string; definitionVersion: string; definitionSha256: string } {
	return { definitionId: def.id, definitionVersion: def.version, definitionSha256: canonicalOf(def.questionnaire).sha256 };
}

let installedFingerprint: string | null = null;
let served: InstrumentSet = { questionnaires: [], inactive: [] };

/** What the browser needs besides the bundled files (the root layout sends it). */
export function clientInstrumentSet(): InstrumentSet {
	return served;
}

/** Reloads the stored set when it changed since the last call; cheap (one short query) when not. */
export async function refreshInstruments(db: Db): Promise<void> {
	const [f] = await executeRows(
		db,
		sql`select coalesce(md5(string_agg(instrument_id || ':' || version || ':' || status || ':' || sha256, ',' order by instrument_id, version)), '') as f from instrument_definitions where status <> 'draft'`
	);
	const fingerprint = String(f?.f ?? '');
	if (fingerprint === installedFingerprint) return;
	const rows = await executeRows(
		db,
		sql`select distinct on (instrument_id) instrument_id, version, status, built_in, sha256, definition
			from instrument_definitions where status <> 'draft'
			order by instrument_id, status = 'active' desc, updated_at desc, version desc`
	);
	const questionnaires: Questionnaire[] = [];
	const inactive: string[] = [];
	for (const r of rows) {
		const id = String(r.instrument_id);
		if (r.status !== 'active') inactive.push(id);
		const bundled = bundledInstrument(id);
		if (bundled && canonicalOf(bundled.questionnaire).sha256 === r.sha256) continue;
		questionnaires.push(JSON.parse(String(r.definition)) as Questionnaire);
	}
	served = { questionnaires, inactive };
	installInstruments(served);
	installedFingerprint = fingerprint;
}

/** Forgets what was installed (tests that empty the database). */
export function forgetInstalledInstruments(): void {
	installedFingerprint = null;
	served = { questionnaires: [], inactive: [] };
	installInstruments(served);
}
