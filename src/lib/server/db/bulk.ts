/**
 * Many rows in one statement with one parameter: the rows travel as a JSON array and PostgreSQL
 * spreads them with json_populate_recordset, in array order. Far cheaper than a multi-row
 * INSERT built by the query builder (one bound parameter per cell), and identical on both drivers.
 * Columns left out of the rows take their defaults.
 */
import { getTableColumns, sql, type SQL, type Table } from 'drizzle-orm';
import type { Db } from '.';

/** One INSERT of `rows` (all with the keys of the first row), as SQL to run or to embed in a CTE. */
export function insertRowsSql<T extends Table>(table: T, rows: T['$inferInsert'][]): SQL {
	const columns = getTableColumns(table) as Record<string, { name: string }>;
	const keys = Object.keys(rows[0] ?? {}).filter((k) => k in columns);
	const names = keys.map((k) => `"${columns[k]!.name}"`);
	const json = JSON.stringify(
		rows.map((row) => {
			const out: Record<string, unknown> = {};
			for (const k of keys) out[columns[k]!.name] = (row as Record<string, unknown>)[k];
			return out;
		})
	);
	return sql`insert into ${table} (${sql.raw(names.join(', '))}) select ${sql.raw(names.map((n) => `r.${n}`).join(', '))} from json_populate_recordset(null::${table}, ${json}::json) with ordinality as r order by r.ordinality`;
}

export async function bulkInsert<T extends Table>(db: Db, table: T, rows: T['$inferInsert'][], chunk = 5000): Promise<void> {
	for (let i = 0; i < rows.length; i += chunk) await db.execute(insertRowsSql(table, rows.slice(i, i + chunk)));
}
