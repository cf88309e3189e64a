import { describe, expect, it } from 'vitest';
import { auditHash, canonicalJson, keyedAuditHash } from '../../src/lib/server/audit';

describe('canonical JSON', () => {
	it('sorts keys at every level so storage order does not matter', () => {
		expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
			'{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}'
		);
		expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
	});
	it('drops undefined members and writes dates as ISO strings', () => {
		expect(canonicalJson({ a: undefined, d: new Date('2026-01-02T03:04:05.006Z') })).toBe('{"d":"2026-01-02T03:04:05.006Z"}');
	});
});

describe('audit hash chain', () => {
	const row = {
		at: new Date('2026-11-25T10:00:00.000Z'),
		actorId: null,
		action: 'create',
		entity: 'user',
		entityId: 'u1',
		before: null,
		after: { role: 'admin' },
		reason: null,
		requestId: 'r1'
	};
	it('depends on the previous hash and on every field', () => {
		const h = auditHash(null, row);
		expect(h).toMatch(/^[0-9a-f]{64}$/);
		expect(auditHash(null, { ...row })).toBe(h);
		expect(auditHash('00', row)).not.toBe(h);
		expect(auditHash(null, { ...row, after: { role: 'clinician' } })).not.toBe(h);
		expect(auditHash(null, { ...row, at: new Date('2026-11-25T10:00:00.001Z') })).not.toBe(h);
		expect(auditHash(null, { ...row, reason: 'typo' })).not.toBe(h);
	});
});

describe('keyed audit hash', () => {
	const row = { at: new Date('2026-11-25T10:00:00.000Z'), actorId: null, action: 'create', entity: 'user', entityId: 'u1', before: null, after: { role: 'admin' }, reason: null, requestId: 'r1' };
	const key = Buffer.alloc(32, 7);
	it('is an HMAC that depends on the key, the chain, the previous hash and the content', () => {
		const h = keyedAuditHash(0, null, row, key);
		expect(h).toMatch(/^[0-9a-f]{64}$/);
		expect(h).not.toBe(auditHash(null, row));
		expect(keyedAuditHash(0, null, row, Buffer.alloc(32, 8))).not.toBe(h);
		expect(keyedAuditHash(1, null, row, key)).not.toBe(h);
		expect(keyedAuditHash(0, '00', row, key)).not.toBe(h);
		expect(keyedAuditHash(0, null, { ...row, reason: 'typo' }, key)).not.toBe(h);
	});
});
