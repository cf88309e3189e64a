/**
 * What `npm run backup` and `npm run restore` report about a database: the rows of every table
 * and whether the audit chain verifies from its first row. The reliability test compares these
 * (and a checksum of each table's content) between the original and the restored copy.
 */
import { sql } from 'drizzle-orm';
import { executeRows, type Db } from '../src/lib/server/db';
import { verifyAuditChain, type ChainReport } from '../src/lib/server/audit';

/** The keys the app generates in DATA_DIR when their variables are unset: archived with the embedded database. */
export const KEY_FILES = ['export-secret', 'audit-secret', 'mfa-key'];

export interface DatabaseSummary {
	/** "schema.table" → rows; the app's tables and drizzle's migration journal. */
	tables: Record<string, number>;
	audit: ChainReport;
}

export async function tableNames(db: Db): Promise<string[]> {
	const rows = await executeRows(
		db,
		sql`select table_schema || '.' || table_name as name from information_schema.tables
			where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`
	);
	return rows.map((r) => String(r.name));
}

const quoted = (name: string) => name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');

export async function summarise(db: Db): Promise<DatabaseSummary> {
	const tables: Record<string, number> = {};
	for (const name of await tableNames(db)) {
		const [row] = await executeRows(db, sql.raw(`select count(*)::int as n from ${quoted(name)}`));
		tables[name] = Number(row!.n);
	}
	// No anchors: a copy may rightly lack entries written after it was taken. Chains may still end
	// with rows from before the audit key (a backup of an earlier version): the app rekeys them on start.
	return { tables, audit: await verifyAuditChain(db, { anchorFile: null, unkeyedTail: 'allowed' }) };
}

/** md5 of a table's rows in a fixed order: equal checksums mean the same records, field for field. */
export async function tableChecksum(db: Db, name: string): Promise<string> {
	const [row] = await executeRows(db, sql.raw(`select coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '') as sum from ${quoted(name)} t`));
	return String(row!.sum);
}

export function printSummary(s: DatabaseSummary): void {
	const width = Math.max(...Object.keys(s.tables).map((k) => k.length));
	for (const [name, n] of Object.entries(s.tables)) console.log(`  ${name.padEnd(width)}  ${n}`);
	console.log(
		s.audit.intact
			? `Audit chain intact: ${s.audit.rows} rows verified.`
			: `AUDIT CHAIN BROKEN at row ${s.audit.firstBrokenId} (${s.audit.rows} rows verified before it): ${s.audit.problem}`
	);
}
