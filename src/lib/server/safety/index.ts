/** Safety: adverse events, flare episodes, their categories, notices and figures. */
export * from './adverse-events';
export * from './categories';
export * from './figures';
export * from './flares';
export * from './alerts';
