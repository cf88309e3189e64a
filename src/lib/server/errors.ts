/** Drizzle wraps driver errors: the PostgreSQL code is on the error or on its cause. */
export function pgErrorCode(err: unknown): string | undefined {
	const e = err as { code?: string; cause?: { code?: string } };
	return e?.cause?.code ?? e?.code;
}
export const isUniqueViolation = (err: unknown) => pgErrorCode(err) === '23505';
export const isCheckViolation = (err: unknown) => pgErrorCode(err) === '23514';
export const isForeignKeyViolation = (err: unknown) => pgErrorCode(err) === '23503';
