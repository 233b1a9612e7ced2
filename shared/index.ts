export * from './config.js';
export * from './config-merge.js';
export * from './finding.js';
export * from './limits.js';
export * from './report.js';
export * from './severity.js';
export * from './text.js';
export * from './dismissal.js';
