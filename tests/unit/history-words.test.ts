import { describe, expect, it } from 'vitest';
import { actionInWords, changesInWords } from '../../src/lib/history-words';

describe('history in words', () => {
	it('labels fields, shows values as the pages do and hides internal ids', () => {
		const before = { visitDate: '2025-01-01', kind: 'follow_up', acupunctureSessions: 2, flare: 'unknown', note: null, voided: false, voidReason: null };
		const after = { ...before, kind: 'treatment', voided: true, voidReason: 'entered twice', patientId: 'f2b1…' };
		expect(changesInWords(before, after)).toEqual([
			{ field: 'Kind of visit', from: 'Follow-up', to: 'Treatment' },
			{ field: 'Voided', from: 'No', to: 'Yes' },
			{ field: 'Reason for voiding', from: '—', to: 'entered twice' }
		]);
	});
	it('rounds scores as displayed and names the instrument', () => {
		const after = { visitId: 'x', instrumentId: 'fss9', version: 'v', answers: { '1': 4, '2': null }, scores: { mean: 4.333333333, sum: 39 } };
		const changes = changesInWords(null, after);
		expect(changes).toContainEqual({ field: 'Instrument', from: '—', to: 'FSS-9' });
		expect(changes).toContainEqual({ field: 'Scores', from: '—', to: 'Mean 4.33, Sum 39' });
		expect(changes).toContainEqual({ field: 'Answers', from: '—', to: 'item 1: 4, item 2: blank' });
		expect(changes.map((c) => c.field)).not.toContain('visitId');
		expect(actionInWords('update', 'response', after, null)).toBe('Changed FSS-9');
		expect(actionInWords('void', 'visit', {}, {})).toBe('Voided visit');
	});
	it('names the condition by its label', () => {
		expect(changesInWords({ conditionCode: 'crohns' }, { conditionCode: 'sle' }, (c) => ({ crohns: "Crohn's disease", sle: 'Lupus' })[c] ?? c)).toEqual([
			{ field: 'Condition', from: "Crohn's disease", to: 'Lupus' }
		]);
	});
});
