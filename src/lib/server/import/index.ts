/**
 * CSV import of patients, visits and item answers, one file per stage:
 * - upload.ts: the file arrives in parts, is stored (in the database, so any app process can
 *   continue the import) and hashed; a file already committed is refused; a mapping is proposed;
 * - staging.ts: the import's row and its stored file, read back a chunk at a time;
 * - mapping.ts: the user's column mapping and date format, remembered per header;
 * - pass.ts + row-checks.ts: the one pass behind both the dry run and the commit — every row
 *   through manual entry's validation and scoring, in batches, with flat memory;
 * - dry-run.ts: the pass without writing; every rejected row is recorded (issues.ts reads them);
 * - commit.ts: the very same pass inside one transaction, writing as it goes with the usual audit
 *   rows, so that one bad row stores nothing;
 * - discard.ts, expiry.ts: how an unfinished import ends (a user discards it; a week passes).
 */
export type { ImportSummary } from '../../import/fields';
export { getImport, listImports, previewRows, type ImportRow } from './staging';
export { appendUpload, beginUpload, finishUpload, uploadImport, MAX_FILE_BYTES, PART_BYTES, type UploadResult } from './upload';
export { saveMapping, type MappingResult } from './mapping';
export { MAX_STORED_ISSUES, type Progress, type RunResult } from './pass';
export { dryRun } from './dry-run';
export { commitImport } from './commit';
export { discardImport } from './discard';
export { expireStagedImports, STAGED_IMPORT_DAYS } from './expiry';
export { allImportIssues, importIssuesPage, type IssueView } from './issues';
