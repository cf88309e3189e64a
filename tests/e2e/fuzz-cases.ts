/**
 * The cases the fuzz pass sends: from a valid base payload (read from the page's own form), one
 * field at a time changed to each hostile value, then whole-request oddities (content types,
 * encodings, sizes, origins, methods) and malformed ids in the path.
 */
import type { Browser, Page } from '@playwright/test';
import { getInstrument } from '../../src/lib/instruments';
import { FIELD_PAYLOADS, isFile, multipart, PARAM_PAYLOADS, segment, urlencoded, type Entry, type FilePart, type Value } from './fuzz-payloads';

/** A base value: fixed, or made at send time (unique references and emails, fresh files). */
export type BaseValue = Value | FilePart | (() => Value | FilePart);
export type BaseEntry = [string, BaseValue];

export interface FormShape {
	entries: [string, string | null][];
	options: Record<string, string[]>;
	checkable: Record<string, string[]>;
	multipart: boolean;
}

/** The form as the browser would submit it (`new FormData(form)`), with its selects' options. */
export async function readForm(
	browser: Browser,
	baseURL: string,
	cookie: string | undefined,
	url: string,
	match: { method: 'get' | 'post'; action: string | null },
	prepare?: (page: Page) => Promise<void>
): Promise<FormShape | null> {
	const context = await browser.newContext({ baseURL });
	try {
		if (cookie) {
			const [name, value] = cookie.split('=') as [string, string];
			await context.addCookies([{ name, value, url: baseURL }]);
		}
		const page = await context.newPage();
		await page.goto(url);
		await prepare?.(page);
		return await page.evaluate((m) => {
			const form = [...document.forms].find((f) => {
				const action = f.getAttribute('action');
				if ((f.getAttribute('method') ?? 'get').toLowerCase() !== m.method) return false;
				return m.action === null ? action === null || action === '' : action === m.action;
			});
			if (!form) return null;
			const entries: [string, string | null][] = [];
			for (const [k, v] of new FormData(form)) entries.push([k, typeof v === 'string' ? v : null]);
			const options: Record<string, string[]> = {};
			for (const s of form.querySelectorAll('select[name]')) options[(s as HTMLSelectElement).name] = [...(s as HTMLSelectElement).options].map((o) => o.value).filter(Boolean);
			const checkable: Record<string, string[]> = {};
			for (const c of form.querySelectorAll('input[type=checkbox][name], input[type=radio][name]')) (checkable[(c as HTMLInputElement).name] ??= []).push((c as HTMLInputElement).value);
			return { entries, options, checkable, multipart: form.enctype === 'multipart/form-data' };
		}, match);
	} finally {
		await context.close();
	}
}

/**
 * A valid submission from the form: what the page filled in stays; a placeholder select takes its
 * first option; an item answer its lowest code; an empty field the value `valid` gives for its name.
 */
export function baseFrom(form: FormShape, valid: (name: string) => BaseValue | undefined, file: () => FilePart): BaseEntry[] {
	return form.entries.map(([name, value]): BaseEntry => {
		if (value === null) return [name, file];
		if (value !== '') return [name, value];
		const first = form.options[name]?.[0];
		if (first) return [name, first];
		const item = /^i:(\w+):(\w+)$/.exec(name);
		if (item) return [name, String(getInstrument(item[1]!)?.items.find((i) => i.key === item[2])?.min ?? '')];
		return [name, valid(name) ?? ''];
	});
}

export function withValues(base: BaseEntry[], values: Record<string, BaseValue>): BaseEntry[] {
	const out = base.map(([k, v]): BaseEntry => [k, k in values ? values[k]! : v]);
	for (const [k, v] of Object.entries(values)) if (!out.some(([n]) => n === k)) out.push([k, v]);
	return out;
}

export function materialize(entries: BaseEntry[]): Entry[] {
	return entries.map(([k, v]) => [k, typeof v === 'function' ? v() : v]);
}

export interface Case {
	label: string;
	/** Fields to send (encoded as the form is): the base (now) changed by this, or a raw body. */
	entries?: (base: BaseEntry[]) => BaseEntry[];
	raw?: { body: string | Buffer | (() => string); contentType?: string };
	multipart?: boolean;
	headers?: Record<string, string>;
	/** Replaces the action's query (`?/name`), e.g. to name another action. */
	search?: string;
	/** Path parameter values instead of the target's (given the target's). */
	params?: (target: Record<string, string>) => Record<string, string>;
	method?: string;
	chunked?: boolean;
	/** use:enhance: the answer is JSON and its `type` says what happened. */
	enhanced?: boolean;
	expectStatus?: number[];
}

function replaceField(base: BaseEntry[], name: string, value: BaseValue, linked?: string): BaseEntry[] {
	let done = false;
	const out: BaseEntry[] = [];
	for (const [k, v] of base) {
		if (k === name || k === linked) {
			if (k === name && done) continue;
			if (k === name) done = true;
			out.push([k, value]);
		} else out.push([k, v]);
	}
	return out;
}

/**
 * Numbered fields of one kind (col0 … col11 of a column mapping) are handled by the same code:
 * the first two and the last are fuzzed, the rest keep their valid values.
 */
function sampleFamilies(names: string[]): string[] {
	const families = new Map<string, string[]>();
	for (const name of names) {
		const stem = /^(.*\D)\d+$/.exec(name)?.[1];
		if (stem) families.set(stem, [...(families.get(stem) ?? []), name]);
	}
	const skip = new Set([...families.values()].filter((f) => f.length > 3).flatMap((f) => f.slice(2, -1)));
	return names.filter((n) => !skip.has(n));
}

/** One field at a time: left out, each hostile value, repeated, sent as a file. */
export function* fieldCases(base: BaseEntry[], linked: Record<string, string> = {}): Generator<Case> {
	const names = sampleFamilies([...new Set(base.filter(([, v]) => typeof v !== 'object' || Buffer.isBuffer(v) || typeof v === 'function').map(([k]) => k))]);
	const file: FilePart = { filename: 'value.txt', type: 'text/plain', data: Buffer.from('42') };
	for (const name of names) {
		const also = linked[name];
		yield { label: `${name}: missing`, entries: (b) => b.filter(([k]) => k !== name && k !== also) };
		for (const payload of FIELD_PAYLOADS) {
			yield { label: `${name}${also ? `+${also}` : ''}: ${payload.label}`, entries: (b) => replaceField(b, name, payload.value, also) };
		}
		yield { label: `${name}: repeated, garbage first`, entries: (b) => [[name, 'fuzz-garbage'], ...b] };
		yield { label: `${name}: repeated, valid first`, entries: (b) => [...b, [name, 'fuzz-garbage']] };
		yield { label: `${name}: a file where text is expected`, entries: (b) => replaceField(b, name, file), multipart: true };
		const original = base.find(([k]) => k === name)![1];
		const value = typeof original === 'function' ? original() : original;
		if (isFile(value)) {
			// A file field: its name is text the server stores and shows.
			for (const payload of FIELD_PAYLOADS) {
				yield { label: `${name} file name: ${payload.label}`, entries: (b) => replaceField(b, name, { ...value, filename: payload.value }) };
			}
		}
	}
}

const BIG = 600 * 1024; // over adapter-node's default BODY_SIZE_LIMIT (512 kB)
const same = (b: BaseEntry[]) => b;

/** Whole-request oddities for a form action (base = a valid submission). */
export function* requestCases(base: BaseEntry[], actionName: string | null): Generator<Case> {
	yield { label: 'empty body', raw: { body: '', contentType: 'application/x-www-form-urlencoded' } };
	yield { label: 'no body, no content type', raw: { body: '' } };
	yield { label: 'same fields as multipart', entries: same, multipart: true };
	yield { label: 'JSON body', raw: { body: JSON.stringify(Object.fromEntries(materialize(base).map(([k, v]) => [k, isFile(v) ? 'file' : String(v)]))), contentType: 'application/json' } };
	yield { label: 'text/plain body', raw: { body: 'a=1', contentType: 'text/plain' } };
	yield { label: 'multipart, garbage body', raw: { body: 'not multipart at all', contentType: 'multipart/form-data; boundary=xyz' } };
	yield { label: 'multipart, no boundary', raw: { body: '--x\r\n', contentType: 'multipart/form-data' } };
	yield { label: 'multipart, truncated', raw: { body: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue', contentType: 'multipart/form-data; boundary=xyz' } };
	yield { label: 'bad percent-encoding', raw: { body: () => `${urlencoded(materialize(base))}&x=%zz%E0%A4%A`, contentType: 'application/x-www-form-urlencoded' } };
	yield { label: 'prototype keys', entries: (b) => [...b, ['__proto__', 'x'], ['constructor[prototype][polluted]', '1'], ['toString', '1']] };
	yield { label: '5 kB field name', entries: (b) => [...b, ['k'.repeat(5000), '1']] };
	yield { label: '10 000 fields', entries: (b) => [...b, ...Array.from({ length: 10_000 }, (_, i): BaseEntry => [`f${i}`, '1'])] };
	yield { label: `body over the size limit (${BIG} B, content-length)`, entries: (b) => [...b, ['pad', 'x'.repeat(BIG)]] };
	yield { label: `body over the size limit (${BIG} B, chunked)`, entries: (b) => [...b, ['pad', 'x'.repeat(BIG)]], chunked: true };
	yield { label: 'no origin header (CSRF)', entries: same, headers: { origin: '' }, expectStatus: [403] };
	yield { label: 'foreign origin (CSRF)', entries: same, headers: { origin: 'https://evil.example' }, expectStatus: [403] };
	yield { label: 'use:enhance (JSON answer)', entries: same, enhanced: true };
	yield { label: 'PATCH', entries: same, method: 'PATCH', expectStatus: [405] };
	yield { label: 'unknown action name', entries: same, search: '?/noSuchAction', expectStatus: [404] };
	yield { label: 'reserved action name ?/default', entries: same, search: '?/default' };
	yield { label: 'junk in the query', entries: same, search: `${actionName ? `?/${actionName}&` : '?'}${encodeURIComponent('<script>alert(1)</script>')}=1&q=%00` };
}

/** Each path parameter in turn replaced by each malformed id. */
export function* paramCases(route: string): Generator<Case> {
	for (const [, name] of route.matchAll(/\[(\w+)\]/g)) {
		for (const payload of PARAM_PAYLOADS) {
			yield { label: `path [${name}]: ${payload.label}`, params: (target) => ({ ...target, [name!]: segment(payload.value) }) };
		}
	}
}

export function encode(c: Case, entries: Entry[] | null, multipartForm: boolean): { body: string | Buffer; contentType?: string } {
	if (c.raw) return { body: typeof c.raw.body === 'function' ? c.raw.body() : c.raw.body, contentType: c.raw.contentType };
	if (c.multipart || multipartForm) {
		const m = multipart(entries ?? []);
		return { body: m.body, contentType: m.contentType };
	}
	return { body: urlencoded(entries ?? []), contentType: 'application/x-www-form-urlencoded' };
}
