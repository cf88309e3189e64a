/**
 * Prints the SQL that seeds `instrument_scales` from the registry. When an instrument or scale is
 * added: `npx drizzle-kit generate --custom --name instrument_scales_<what>`, paste this output
 * (it upserts), commit. tests/integration/clinical.test.ts fails while the two disagree.
 */
import { INSTRUMENTS } from '../src/lib/instruments';

const rows = INSTRUMENTS.flatMap((def) =>
	def.scales.map((s) => `('${def.id}', '${s.key}', ${s.min}, ${s.max === null ? 'NULL' : s.max})`)
);
console.log(
	`INSERT INTO instrument_scales (instrument_id, scale, min, max) VALUES\n\t${rows.join(',\n\t')}\n` +
		`ON CONFLICT (instrument_id, scale) DO UPDATE SET min = excluded.min, max = excluded.max;`
);
