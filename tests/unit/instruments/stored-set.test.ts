// The canonical text a definition is stored and digested as, and the registry's installed set
// (what the server loads from the database and the browser receives from the root layout).
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/lib/instruments/canonical';
import { activeInstruments, getInstrument, installInstruments, INSTRUMENTS, isActive } from '../../../src/lib/instruments/registry';
import type { Questionnaire } from '../../../src/lib/instruments/fhir';
import { tinyInstrument } from '../../fixtures/tiny-instrument';

afterEach(() => installInstruments({ questionnaires: [], inactive: [] }));

describe('canonical definition text', () => {
	it('sorts keys at every depth, keeps array order, drops whitespace and undefined', () => {
		expect(canonicalJson({ b: 1, a: [{ z: 'x', y: null }, 2], c: undefined })).toBe('{"a":[{"y":null,"z":"x"},2],"b":1}');
		const q = tinyInstrument();
		expect(canonicalJson(JSON.parse(JSON.stringify(q, null, 2)))).toBe(canonicalJson(q));
		// Reading the canonical text back gives the same text (what responses' digests rely on).
		expect(canonicalJson(JSON.parse(canonicalJson(q)))).toBe(canonicalJson(q));
	});
});

describe('installed instrument set', () => {
	it('adds an uploaded instrument after the built-ins, replaces a built-in by its version in use, hides deactivated ones from new entries', () => {
		const builtIns = INSTRUMENTS.length;
		const painV2 = { ...structuredClone(getInstrument('pain_nrs')!.questionnaire), version: 'v2' } as Questionnaire;
		installInstruments({ questionnaires: [tinyInstrument() as unknown as Questionnaire, painV2], inactive: ['fss9'] });
		expect(INSTRUMENTS).toHaveLength(builtIns + 1);
		expect(INSTRUMENTS.at(-1)?.id).toBe('tiny_test');
		expect(getInstrument('pain_nrs')?.version).toBe('v2');
		expect(isActive('fss9')).toBe(false);
		expect(getInstrument('fss9')).toBeDefined();
		expect(activeInstruments().map((d) => d.id)).not.toContain('fss9');
		expect(isActive('tiny_test')).toBe(true);
		installInstruments({ questionnaires: [], inactive: [] });
		expect(getInstrument('tiny_test')).toBeUndefined();
		expect(getInstrument('pain_nrs')?.version).toBe('0-10');
	});
});
