/**
 * Quasi-identifier generalisation for exports: condition × sex × age band. Every patient starts
 * in 5-year age bands; any combination with fewer than k patients has its patients widened, step
 * by step (10-year band, 20-year band, age suppressed, sex suppressed, condition suppressed),
 * until every combination holds at least k patients. If even the fully suppressed group is
 * smaller than k, those patients are left out of the export.
 */
export interface QuasiIdentifiers {
	condition: string;
	sex: string;
	/** Whole years at baseline. */
	age: number;
}

export const LEVELS = ['age5', 'age10', 'age20', 'age*', 'sex*', 'condition*'] as const;
/**
 * The last level that keeps the condition. Below admin, exports stop here: a condition widened to
 * * would be given back by choosing fewer conditions (the * rows that disappear are the ones of the
 * conditions left out), so a patient the ladder cannot place within their own condition is left out.
 */
export const CONDITION_KEPT = LEVELS.indexOf('sex*');

export function ageBand(age: number, width: number): string {
	const low = Math.floor(age / width) * width;
	return `${low}-${low + width - 1}`;
}

export function generalised(q: QuasiIdentifiers, level: number): { condition: string; sex: string; ageBand: string } {
	const width = [5, 10, 20][level];
	return {
		condition: level >= 5 ? '*' : q.condition,
		sex: level >= 4 ? '*' : q.sex,
		ageBand: width ? ageBand(q.age, width) : '*'
	};
}

export const keyOf = (g: { condition: string; sex: string; ageBand: string }) => `${g.condition}\u0000${g.sex}\u0000${g.ageBand}`;

export interface Generalisation {
	/** Level per patient (index into LEVELS); patients absent here are suppressed. */
	levels: Map<string, number>;
	suppressed: string[];
	generalisedPatients: number;
	smallestGroup: number | null;
}

export function generaliseToK(patients: Map<string, QuasiIdentifiers>, k: number): Generalisation {
	// Patients with the same quasi-identifiers always move together: generalise their groups.
	const index = new Map<string, number>();
	const groups: { q: QuasiIdentifiers; n: number }[] = [];
	const groupOf = new Map<string, number>();
	for (const [id, q] of patients) {
		const key = `${q.condition}\u0000${q.sex}\u0000${q.age}`;
		let i = index.get(key);
		if (i === undefined) {
			i = groups.length;
			index.set(key, i);
			groups.push({ q, n: 0 });
		}
		groups[i]!.n++;
		groupOf.set(id, i);
	}
	const g = generaliseGroups(groups, k);
	const levels = new Map<string, number>();
	const suppressed: string[] = [];
	for (const [id, i] of groupOf) {
		const level = g.levels[i];
		if (level === null || level === undefined) suppressed.push(id);
		else levels.set(id, level);
	}
	return { levels, suppressed, generalisedPatients: g.generalisedPatients, smallestGroup: g.smallestGroup };
}

export interface GroupGeneralisation {
	/** Level per group (index into LEVELS); null: the group's patients are left out. */
	levels: (number | null)[];
	suppressedPatients: number;
	generalisedPatients: number;
	smallestGroup: number | null;
}

/**
 * The same generalisation for patients counted by identical quasi-identifiers (`n` patients with
 * `q`): memory grows with the number of distinct combinations, not of patients. Groups that would
 * need a level above `maxLevel` are left out.
 */
export function generaliseGroups(groups: { q: QuasiIdentifiers; n: number }[], k: number, maxLevel: number = LEVELS.length - 1): GroupGeneralisation {
	const levels: (number | null)[] = groups.map(() => 0);
	for (;;) {
		const cells = new Map<string, { n: number; members: number[] }>();
		groups.forEach((g, i) => {
			const level = levels[i];
			if (level === null || level === undefined) return;
			const key = keyOf(generalised(g.q, level));
			const cell = cells.get(key);
			if (cell) {
				cell.n += g.n;
				cell.members.push(i);
			} else cells.set(key, { n: g.n, members: [i] });
		});
		const small = [...cells.values()].filter((c) => c.n < k);
		if (small.length === 0) {
			let suppressedPatients = 0;
			let generalisedPatients = 0;
			groups.forEach((g, i) => {
				const level = levels[i];
				if (level === null || level === undefined) suppressedPatients += g.n;
				else if (level > 0) generalisedPatients += g.n;
			});
			const sizes = [...cells.values()].map((c) => c.n);
			return { levels, suppressedPatients, generalisedPatients, smallestGroup: sizes.length ? Math.min(...sizes) : null };
		}
		for (const cell of small) {
			for (const i of cell.members) {
				const next = levels[i]! + 1;
				levels[i] = next > maxLevel ? null : next;
			}
		}
	}
}
