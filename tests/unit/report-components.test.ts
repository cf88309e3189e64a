/**
 * The report's components rendered (server-side, as the page's first paint) from a report the
 * engine's pure half assembles, then checked in Chromium by axe-core (WCAG 2.x A/AA): 0
 * violations. The drawn charts are checked on the page itself (h20b's e2e).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import { chromium, type Browser } from '@playwright/test';
import EvidenceReportView from '../../src/lib/components/report/EvidenceReport.svelte';
import { assembleReport, type PanelRow } from '../../src/lib/reports/assemble';
import { reportCsv } from '../../src/lib/reports/csv';
import { buildWaterfall } from '../../src/lib/charts/report';
import type { OutcomeInfo, PlanBody } from '../../src/lib/reports/types';

const plan: PlanBody = {
	title: 'Pain at week 8',
	conditions: ['multiple_sclerosis'],
	primary: { instrument: 'pain_nrs', scale: 'score' },
	timepoint: { weeks: 8, window_weeks: 2 },
	secondary: [{ instrument: 'who5', scale: 'percentage' }],
	primary_population: 'carried_forward'
};
const outcomes: OutcomeInfo[] = [
	{ instrument: 'pain_nrs', scale: 'score', name: 'Pain NRS', scale_label: 'Pain', label: 'Pain NRS', higher_is_better: false, threshold: 2, threshold_source: 'mcid', mcid_population: 'chronic pain' },
	{ instrument: 'who5', scale: 'percentage', name: 'WHO-5', scale_label: 'Percentage', label: 'WHO-5', higher_is_better: true, threshold: 10, threshold_source: 'mcid', mcid_population: 'general' }
];
const meta = { id: '00000000-0000-4000-8000-000000000001', version: 2, sha256: 'cd'.repeat(32), locked_at: '2026-01-05T10:00:00.000Z' };

/** 80 patients: a deterministic spread of baselines, changes, losses and sessions. */
function rows(): PanelRow[] {
	const out: PanelRow[] = [];
	for (let i = 0; i < 80; i++) {
		const lost = i % 7 === 0;
		const noBase = i % 19 === 0;
		const base = noBase ? null : 4 + (i % 6);
		const change = ((i * 37) % 9) - 5;
		const common = { sex: i % 3 === 0 ? 'male' : 'female', condition: 'multiple_sclerosis', age: 25 + ((i * 13) % 50), sessions_all: 2 + (i % 8), quarter: 8100, inside: true };
		out.push({ idx: 0, ...common, base, fu: base === null || lost ? null : Math.max(0, Math.min(10, base + change)), reached: base !== null, sessions: base === null ? null : 1 + (i % 8) });
		out.push({ idx: 1, ...common, base: 40 + (i % 5) * 4, fu: lost ? null : 44 + (i % 7) * 4, reached: true, sessions: 1 + (i % 8) });
	}
	return out;
}

const report = assembleReport(plan, meta, outcomes, rows(), 5, '2026-02-01');
let browser: Browser;

beforeAll(async () => {
	const executablePath = process.env.CHROMIUM_PATH || (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
	browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 60_000);
afterAll(() => browser?.close());

describe('evidence report components', () => {
	it('render the flow, tables and words from the report', () => {
		const { body } = render(EvidenceReportView, { props: { report, plan, versions: [{ version: 1, locked_at: '2026-01-01T09:00:00.000Z', reason: 'window widened' }] } });
		expect(body).toContain('Patient flow');
		expect(body).toContain(`n = ${report.flow.with_followup}`);
		expect(body).toContain('What this report can and cannot show');
		expect(body).toContain('superseded because window widened');
		expect(body).toContain(meta.sha256);
		expect(body).not.toContain('NaN');
	});

	it('name versions, conditions, outcomes and times as a reader reads them', () => {
		// Found by a walk-through: a new draft was listed under "Earlier versions", the lock time was
		// raw ISO, conditions were codes, "Pain NRS Pain" doubled the name, and Svelte dropped the
		// space before "(primary analysis)".
		const versions = [
			{ version: 1, locked_at: '2026-01-01T09:00:00.000Z', reason: 'window widened' },
			{ version: 3, locked_at: null, reason: null }
		];
		const { body } = render(EvidenceReportView, { props: { report, plan, versions, conditionLabels: { multiple_sclerosis: 'Multiple sclerosis' } } });
		const text = body.replace(/<!--[^>]*-->/g, '').replace(/<[^>]+>/g, '');
		expect(text).toContain('version 2, locked 2026-01-05 10:00 UTC');
		expect(text).toMatch(/Earlier versions of this plan\s*Version 1, locked 2026-01-01 09:00 UTC: superseded because window widened/);
		expect(text).toMatch(/Later versions of this plan\s*Version 3, a draft, not yet locked/);
		expect(text).toContain('Multiple sclerosis');
		expect(text).not.toContain('multiple_sclerosis');
		expect(text).not.toContain('Pain NRS Pain');
		expect(text).toContain('Baseline carried forward (primary analysis)');
	});

	it('fit every label of the flow inside its box', async () => {
		// Found by a walk-through: "Enrolled with the plan’s conditions and period" overflowed its box, on screen and in print.
		const { body } = render(EvidenceReportView, { props: { report, plan } });
		const css = fs.readFileSync('static/app.css', 'utf8');
		const page = await browser.newPage();
		await page.setContent(`<!doctype html><html lang="en"><head><style>${css}</style></head><body><main>${body}</main></body></html>`);
		const overflow = await page.evaluate(() =>
			[...document.querySelectorAll('figure.flow svg text')].flatMap((t) => {
				let rect = t.previousElementSibling;
				while (rect && rect.tagName !== 'rect') rect = rect.previousElementSibling;
				const box = (rect as SVGRectElement).getBBox();
				const b = (t as SVGTextElement).getBBox();
				return b.x < box.x + 2 || b.x + b.width > box.x + box.width - 2 ? [`${t.textContent} (${Math.round(b.width)} in ${Math.round(box.width)})`] : [];
			})
		);
		await page.close();
		expect(overflow).toEqual([]);
	}, 60_000);

	it('pass axe-core with 0 violations', async () => {
		const { body, head } = render(EvidenceReportView, { props: { report, plan } });
		const css = fs.readFileSync('static/app.css', 'utf8');
		const page = await browser.newPage();
		await page.setContent(`<!doctype html><html lang="en"><head><title>Report</title><style>${css}</style>${head}</head><body><main>${body}</main></body></html>`);
		const require = createRequire(import.meta.url);
		await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
		const violations = await page.evaluate(async () => {
			const axe = (window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
			const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
			return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
		});
		await page.close();
		expect(violations).toEqual([]);
	}, 60_000);
});

describe('report CSV and waterfall data', () => {
	it('gives one row per outcome and population, then the flow', () => {
		const lines = reportCsv(report, plan.primary_population).trim().split('\r\n');
		expect(lines[0]!.startsWith('section,instrument,scale,population,withheld,n,')).toBe(true);
		expect(lines.slice(1, 5).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
			'primary,pain_nrs,score,completers',
			'primary,pain_nrs,score,carried_forward',
			'secondary,who5,percentage,completers',
			'secondary,who5,percentage,carried_forward'
		]);
		expect(lines).toContain(`with_followup,${report.flow.with_followup ?? 'withheld'}`);
	});
	it('writes the Holm-adjusted p-value on the row of the primary population only', () => {
		const header = reportCsv(report, 'completers').split('\r\n')[0]!.split(',');
		const col = header.indexOf('p_holm');
		const row = (pop: 'completers' | 'carried_forward', which: string) =>
			reportCsv(report, pop).split('\r\n').find((l) => l.startsWith(`secondary,who5,percentage,${which},`))!.split(',');
		const holm = report.secondary[0]!.p_holm;
		expect(holm).not.toBeNull();
		// Found by a walk-through: the completers' Holm value was also written on the carried-forward
		// row, below that row's own p-value (a Holm-adjusted p is never below the raw one).
		expect(row('completers', 'completers')[col]).toBe(String(holm));
		expect(row('completers', 'carried_forward')[col]).toBe('');
		expect(row('carried_forward', 'carried_forward')[col]).toBe(String(holm));
		expect(row('carried_forward', 'completers')[col]).toBe('');
	});
	it('sorts the waterfall most improved first and colours by the threshold', () => {
		const lower = buildWaterfall([1, -3, 0, -2, 2.5], 2, false);
		expect(lower.values).toEqual([-3, -2, 0, 1, 2.5]);
		expect([lower.improved, lower.worsened, lower.improvedAt, lower.worsenedAt]).toEqual([2, 1, -2, 2]);
		const higher = buildWaterfall([1, -3, 12], 10, true);
		expect(higher.values).toEqual([12, 1, -3]);
		expect([higher.improved, higher.worsened]).toEqual([1, 0]);
	});
	it('samples the waterfall above 2,000 patients, keeping the extremes', () => {
		const many: PanelRow[] = [];
		for (let i = 0; i < 2500; i++) {
			const common = { sex: 'female', condition: 'multiple_sclerosis', age: 50, sessions_all: 3, quarter: 8100, inside: true };
			many.push({ idx: 0, ...common, base: 8, fu: 8 - (i % 9), reached: true, sessions: 3 });
			many.push({ idx: 1, ...common, base: 40, fu: 44, reached: true, sessions: 3 });
		}
		const big = assembleReport(plan, meta, outcomes, many, 5, '2026-02-01');
		const w = big.detail.waterfall;
		if ('suppressed' in w) throw new Error('withheld');
		expect([w.n, w.changes.length, w.sampled, w.changes[0], w.changes.at(-1)]).toEqual([2500, 2000, true, -8, 0]);
	});
});
