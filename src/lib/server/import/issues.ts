/** The dry run's report: rejected and skipped rows, for the page and the CSV download. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { importIssues } from '../db/schema';

export interface IssueView {
	line: number;
	column: string;
	kind: 'error' | 'skipped';
	message: string;
}

export async function importIssuesPage(db: Db, id: string, limit = 200): Promise<IssueView[]> {
	return db
		.select({ line: importIssues.line, column: importIssues.column, kind: importIssues.kind, message: importIssues.message })
		.from(importIssues)
		.where(eq(importIssues.importId, id))
		.orderBy(asc(importIssues.seq))
		.limit(limit);
}

/** Every stored issue, a page at a time (for the CSV download). */
export async function* allImportIssues(db: Db, id: string): AsyncGenerator<IssueView[]> {
	let after = -1;
	for (;;) {
		const page = await db
			.select({ seq: importIssues.seq, line: importIssues.line, column: importIssues.column, kind: importIssues.kind, message: importIssues.message })
			.from(importIssues)
			.where(and(eq(importIssues.importId, id), sql`${importIssues.seq} > ${after}`))
			.orderBy(asc(importIssues.seq))
			.limit(2000);
		if (page.length === 0) return;
		after = page[page.length - 1]!.seq;
		yield page;
	}
}
