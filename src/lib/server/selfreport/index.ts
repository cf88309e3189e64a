export * from './links';
export * from './submit';
export * from './review';
export * from './wording';
export * from './forms';
