/**
 * Many rows in one statement with one parameter: the rows travel as a JSON array and PostgreSQL
 * spreads them with json_populate_recordset, in array order. Far cheaper than a multi-row
 * INSERT built by the query builder (one bound parameter per cell), and identical on both drivers.
 * Columns left out of the rows take their defaults.
 */
import { getTableColumns, sql, type Table } from 'drizzle-orm';
import type { Db } from '.';

export async function bulkInsert<T extends Table>(db: Db, table: T, rows: T['$inferInsert'][], chunk = 5000): Promise<void> {
	if (rows.length === 0) return;
	const columns = getTableColumns(table) as Record<string, { name: string }>;
	const keys = Object.keys(rows[0]!).filter((k) => k in columns);
	const names = keys.map((k) => `"${columns[k]!.name}"`);
	const list = sql.raw(names.join(', '));
	const selected = sql.raw(names.map((n) => `r.${n}`).join(', '));
	for (let i = 0; i < rows.length; i += chunk) {
		const json = JSON.stringify(
			rows.slice(i, i + chunk).map((row) => {
				const out: Record<string, unknown> = {};
				for (const k of keys) out[columns[k]!.name] = (row as Record<string, unknown>)[k];
				return out;
			})
		);
		await db.execute(sql`insert into ${table} (${list}) select ${selected} from json_populate_recordset(null::${table}, ${json}::json) with ordinality as r order by r.ordinality`);
	}
}
