export * from './auth';
export * from './audit';
export * from './clinical';
export * from './imports';
export * from './rollups';
export * from './security';
export * from './safety';
