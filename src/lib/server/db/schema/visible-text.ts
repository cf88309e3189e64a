import { sql, type SQL } from 'drizzle-orm';

/**
 * The database's last line behind src/lib/validation/text.ts: `column` holds none of the
 * characters that free-text fields refuse wherever they stand (controls, bidi controls and marks,
 * zero-width space, word joiner, invisible operators, byte-order mark), as PostgreSQL regular
 * expression escapes. The joiners ZWNJ/ZWJ, which the app accepts between letters of scripts
 * that use them, are left to the app.
 */
export function visibleTextCheck(column: SQL | { name: string }): SQL {
	return sql`${column} !~ '[\\x01-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\\u061C\\u200B\\u200E\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF]'`;
}
