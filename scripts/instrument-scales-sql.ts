/**
 * Prints the SQL that seeds `instrument_scales` and `instrument_items` from the registry. When an
 * instrument, a scale or an item is added or changes its range: `npx drizzle-kit generate --custom
 * --name instrument_reference_<what>`, paste this output (it upserts), commit.
 * tests/integration/clinical.test.ts (scales) and tests/integration/answers.test.ts (items) fail
 * while the registry and the tables disagree. Keys are never deleted: answers stored under an
 * older version's items must stay valid.
 */
import { INSTRUMENTS } from '../src/lib/instruments';

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const scales = INSTRUMENTS.flatMap((def) =>
	def.scales.map((s) => `(${quote(def.id)}, ${quote(s.key)}, ${s.min}, ${s.max === null ? 'NULL' : s.max})`)
);
const items = INSTRUMENTS.flatMap((def) => def.items.map((i) => `(${quote(def.id)}, ${quote(i.key)}, ${i.min}, ${i.max})`));
console.log(
	`INSERT INTO instrument_scales (instrument_id, scale, min, max) VALUES\n\t${scales.join(',\n\t')}\n` +
		`ON CONFLICT (instrument_id, scale) DO UPDATE SET min = excluded.min, max = excluded.max;\n` +
		`--> statement-breakpoint\n` +
		`INSERT INTO instrument_items (instrument_id, item_key, min, max) VALUES\n\t${items.join(',\n\t')}\n` +
		`ON CONFLICT (instrument_id, item_key) DO UPDATE SET min = excluded.min, max = excluded.max;`
);
