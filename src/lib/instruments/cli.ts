/**
 * `npm run instrument -- check FILE... | score FILE --answers '<json>' | list`, as a function of
 * its arguments and file reader so that tests run it in-process. Needs no database.
 */
import { readDefinition } from './definition';
import { compileQuestionnaire, scoreQuestionnaire } from './engine';
import { INSTRUMENTS } from './registry';
import { parseDefinitionText } from './structure';
import { verifyDefinitionText } from './verify';

export interface CliIo {
	readFile(path: string): string;
	out(line: string): void;
	err(line: string): void;
}

const USAGE = [
	'usage: npm run instrument -- check FILE...           validate definitions and run their worked examples',
	"       npm run instrument -- score FILE --answers '{\"linkId\": number, …}'   score one form; prints one JSON object",
	'       npm run instrument -- list                     the definitions the app ships, with their versions'
];

function read(io: CliIo, file: string): { ok: true; text: string } | { ok: false; message: string } {
	try {
		return { ok: true, text: io.readFile(file) };
	} catch (e) {
		return { ok: false, message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
	}
}

function check(files: string[], io: CliIo): number {
	if (files.length === 0) {
		USAGE.forEach((l) => io.err(l));
		return 2;
	}
	let failed = false;
	for (const file of files) {
		const text = read(io, file);
		if (!text.ok) {
			io.out(`${file}: FAIL ${text.message}`);
			failed = true;
			continue;
		}
		const v = verifyDefinitionText(text.text);
		for (const p of v.problems) io.out(`${file}: FAIL ${p.where}: ${p.message}`);
		for (const e of v.examples) io.out(`${file}: ${e.pass ? 'pass' : 'FAIL'} example “${e.name}”: ${e.detail}`);
		if (v.ok) io.out(`${file}: ok — ${v.def!.id} version ${v.def!.version}, ${v.examples.length} examples pass`);
		failed ||= !v.ok;
	}
	return failed ? 1 : 0;
}

function score(args: string[], io: CliIo): number {
	const at = args.indexOf('--answers');
	const file = args.find((a, i) => i !== at && i !== at + 1);
	const print = (o: unknown) => io.out(JSON.stringify(o));
	if (!file || at === -1 || args[at + 1] === undefined) {
		USAGE.forEach((l) => io.err(l));
		return 2;
	}
	let answers: unknown;
	try {
		answers = JSON.parse(args[at + 1]!);
	} catch (e) {
		print({ ok: false, errors: [{ where: '--answers', message: `not valid JSON: ${(e as Error).message}` }] });
		return 1;
	}
	const text = read(io, file);
	if (!text.ok) {
		print({ ok: false, errors: [{ where: 'file', message: text.message }] });
		return 1;
	}
	const parsed = parseDefinitionText(text.text);
	if (!parsed.ok) {
		print({ ok: false, errors: parsed.problems });
		return 1;
	}
	const compiled = compileQuestionnaire(parsed.value);
	if (!compiled.ok) {
		print({ ok: false, errors: compiled.problems });
		return 1;
	}
	// Standard SDC alone scores the calculated items; where our extension names an answered item
	// as a scale (a score-only instrument), that is reported too.
	const { def } = readDefinition(compiled.compiled.questionnaire);
	const labels = new Map([...def.items.map((i) => [i.key, i.label] as const), ...def.scales.map((s) => [s.key, s.label] as const)]);
	const result = scoreQuestionnaire(compiled.compiled, answers, {
		answeredScores: def.scales.map((s) => s.key).filter(Boolean),
		labelOf: (l) => labels.get(l) ?? `Item ${l}`
	});
	print(result);
	return result.ok ? 0 : 1;
}

export function runCli(args: string[], io: CliIo): number {
	const [command, ...rest] = args;
	if (command === 'check') return check(rest, io);
	if (command === 'score') return score(rest, io);
	if (command === 'list') {
		for (const d of INSTRUMENTS) io.out(`${d.id}\t${d.version}\t${d.scoringVersion}\t${d.name}`);
		return 0;
	}
	USAGE.forEach((l) => io.err(l));
	return 2;
}
