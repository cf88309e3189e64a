import { sql } from 'drizzle-orm';
import { bigint, check, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import type { ImportSummary } from '../../../import/fields';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

export const IMPORT_STATUSES = ['uploading', 'uploaded', 'validated', 'committed', 'discarded'] as const;

/**
 * A CSV import: the uploaded file (in `import_chunks` until it is committed or discarded), the
 * column mapping, the last dry run's summary. A file's SHA-256 can be committed only once.
 */
export const imports = pgTable(
	'imports',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		fileName: text('file_name').notNull(),
		fileSha256: text('file_sha256'),
		byteSize: bigint('byte_size', { mode: 'number' }).notNull().default(0),
		encoding: text('encoding', { enum: ['utf-8', 'windows-1252'] }),
		delimiter: text('delimiter', { enum: [',', ';'] }),
		headers: jsonb('headers').$type<string[]>(),
		mapping: jsonb('mapping').$type<(string | null)[]>(),
		dateFormat: text('date_format', { enum: ['iso', 'dmy', 'mdy'] }).notNull().default('iso'),
		status: text('status', { enum: IMPORT_STATUSES }).notNull().default('uploading'),
		/** The last dry run's (or the commit's) counts. */
		summary: jsonb('summary').$type<ImportSummary>(),
		createdBy: uuid('created_by').references(() => users.id),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		validatedAt: timestamp('validated_at', { withTimezone: true }),
		committedAt: timestamp('committed_at', { withTimezone: true }),
		committedBy: uuid('committed_by').references(() => users.id)
	},
	(t) => [
		check('imports_status_known', sql`${t.status} in ('uploading', 'uploaded', 'validated', 'committed', 'discarded')`),
		check('imports_sha_hex', sql`${t.fileSha256} is null or ${t.fileSha256} ~ '^[0-9a-f]{64}$'`),
		check('imports_file_name', sql`length(${t.fileName}) between 1 and 255`),
		check('imports_committed_has_sha', sql`${t.status} <> 'committed' or (${t.fileSha256} is not null and ${t.committedAt} is not null)`),
		// The same bytes cannot be committed twice, even by two requests at once.
		uniqueIndex('imports_committed_sha_key').on(t.fileSha256).where(sql`${t.status} = 'committed'`),
		index('imports_created_idx').on(t.createdAt)
	]
);

/** The uploaded bytes, in order; removed when the import is committed or discarded. */
export const importChunks = pgTable(
	'import_chunks',
	{
		importId: uuid('import_id')
			.notNull()
			.references(() => imports.id),
		seq: integer('seq').notNull(),
		data: bytea('data').notNull()
	},
	(t) => [primaryKey({ columns: [t.importId, t.seq] })]
);

/** The last dry run's rejected rows (`error`) and rows matching an existing visit (`skipped`). */
export const importIssues = pgTable(
	'import_issues',
	{
		importId: uuid('import_id')
			.notNull()
			.references(() => imports.id),
		seq: integer('seq').notNull(),
		line: integer('line').notNull(),
		column: text('column').notNull(),
		kind: text('kind', { enum: ['error', 'skipped'] }).notNull(),
		message: text('message').notNull()
	},
	(t) => [primaryKey({ columns: [t.importId, t.seq] }), check('import_issues_kind', sql`${t.kind} in ('error', 'skipped')`)]
);

/** The mapping remembered per column header (as `headerKey` spells it), for the next file. */
export const importColumnMemory = pgTable('import_column_memory', {
	headerKey: text('header_key').primaryKey(),
	field: text('field'),
	updatedBy: uuid('updated_by').references(() => users.id),
	updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
});
