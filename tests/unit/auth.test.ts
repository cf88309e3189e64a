import { describe, expect, it } from 'vitest';
import { passwordProblem, hashPassword, verifyPassword } from '../../src/lib/server/auth/password';
import { generateSessionToken, sessionIdFromToken } from '../../src/lib/server/auth/session';
import { loginRedirect, safeNext } from '../../src/lib/server/auth/guard';
import { navFor } from '../../src/lib/nav';

describe('password policy', () => {
	it('asks for at least 12 characters and no composition rules', () => {
		expect(passwordProblem('elevenchars')).toBe('Use at least 12 characters.');
		expect(passwordProblem('twelve chars')).toBeNull();
		expect(passwordProblem('all lowercase no digits')).toBeNull();
	});
	it('counts characters, not bytes', () => {
		expect(passwordProblem('Grüße aus K')).toBe('Use at least 12 characters.');
		expect(passwordProblem('Grüße aus Köln')).toBeNull();
	});
	it('refuses common, breached-style and patterned passwords with a reason (zxcvbn)', () => {
		expect(passwordProblem('Password1234')).toMatch(/common/);
		expect(passwordProblem('123456789012')).toMatch(/commonly used/);
		expect(passwordProblem('P@ssw0rd1234')).toMatch(/easy to guess|common/);
		expect(passwordProblem('aaaaaaaaaaaaaaa')).toMatch(/Repeated characters/);
		expect(passwordProblem('abcdefghijkl')).toMatch(/sequences/);
		expect(passwordProblem('qwertyuiop12')).toMatch(/Choose a harder one/);
		expect(passwordProblem('correct horse battery staple')).toBeNull();
	});
	it("refuses passwords made of the user's own name and address", () => {
		expect(passwordProblem('margaret.hamilton1', 'margaret.hamilton@clinic.org', 'Margaret Hamilton')).not.toBeNull();
		expect(passwordProblem('margaret.hamilton1')).toBeNull();
	});
	it('refuses the email address as password', () => {
		expect(passwordProblem('someone@clinic.org', 'someone@clinic.org')).toMatch(/email/);
	});
	it('hashes with argon2id and verifies only the right password', async () => {
		const hash = await hashPassword('a long enough passphrase');
		expect(hash.startsWith('$argon2id$')).toBe(true);
		expect(hash).toContain('m=19456,t=2,p=1');
		expect(await verifyPassword(hash, 'a long enough passphrase')).toBe(true);
		expect(await verifyPassword(hash, 'a long enough passphrasE')).toBe(false);
		expect(await verifyPassword('garbage', 'anything')).toBe(false);
	});
});

describe('session tokens', () => {
	it('carry at least 18 random bytes and differ every time', () => {
		const tokens = new Set(Array.from({ length: 200 }, generateSessionToken));
		expect(tokens.size).toBe(200);
		for (const token of tokens) {
			expect(token).toMatch(/^[a-z2-7]+$/);
			// base32: 5 bits per character
			expect(token.length * 5).toBeGreaterThanOrEqual(18 * 8);
		}
	});
	it('are stored as their SHA-256', () => {
		// SHA-256("abc"), FIPS 180-2 appendix B.1
		expect(sessionIdFromToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	});
});

describe('redirects after sign-in', () => {
	const ORIGIN = 'http://localhost:3000';
	/** Where a browser goes when told `Location: <target>` from a page of this site. */
	const landsOn = (target: string) => new URL(target, `${ORIGIN}/login`);

	it('accept paths on this site, normalised', () => {
		expect(safeNext('/patients?page=2', ORIGIN)).toBe('/patients?page=2');
		expect(safeNext('/cohort#chart', ORIGIN)).toBe('/cohort#chart');
		expect(safeNext('/patients/./new', ORIGIN)).toBe('/patients/new');
		expect(safeNext('/%2F/evil.example', ORIGIN)).toBe('/%2F/evil.example'); // an encoded slash is part of a path
		expect(safeNext(null, ORIGIN)).toBe('/');
		expect(safeNext('', ORIGIN)).toBe('/');
	});
	it('refuse anything a browser would follow off the site, or that holds a control character or backslash', () => {
		const hostile = [
			'/\t/evil.example/', // ?next=/%09/evil.example/: URL parsers drop the tab, leaving //evil.example/
			'/\n/evil.example',
			'/\r\n/evil.example',
			'/\u0000/evil.example',
			'/\u007f/evil.example',
			'/\\evil.example',
			'\\\\evil.example',
			'/\\/evil.example',
			'//evil.example',
			'///evil.example',
			'/.//evil.example', // normalises to //evil.example
			'/a/../..//evil.example',
			'https://evil.example',
			'http://localhost:3000.evil.example/',
			'javascript:alert(1)',
			' //evil.example',
			'evil.example'
		];
		for (const next of hostile) {
			const target = safeNext(next, ORIGIN);
			expect(target, JSON.stringify(next)).toBe('/');
		}
	});
	it('give back only targets that stay on this origin', () => {
		for (const next of ['/patients', '/x//y', '/a/b/../c?d=//e', '/%09/evil.example/', '/?next=//evil.example']) {
			const target = safeNext(next, ORIGIN);
			expect(landsOn(target).origin, next).toBe(ORIGIN);
			expect(target.startsWith('//'), next).toBe(false);
		}
	});
	it('remember where the user was going', () => {
		expect(loginRedirect(new URL('http://x/admin/users?q=a'))).toBe('/login?next=%2Fadmin%2Fusers%3Fq%3Da');
		expect(loginRedirect(new URL('http://x/'))).toBe('/login');
	});
});

describe('navigation per role', () => {
	it('shows researchers no patient or admin pages', () => {
		const hrefs = navFor('researcher').map((l) => l.href);
		expect(hrefs).toEqual(['/cohort', '/reports', '/safety', '/completion', '/export']);
	});
	it('shows admins the admin pages', () => {
		expect(navFor('admin').map((l) => l.href)).toContain('/admin/users');
		expect(navFor('clinician').map((l) => l.href)).not.toContain('/admin/users');
	});
});
