// The bundle's entry (dist/index.js): the only module with a top-level effect.
import { startMergeBase } from './early-git.js';

// git starts fetching the PR's commits first; the rest of the action (bundled behind this dynamic import,
// so not evaluated yet) loads while it works.
const early = startMergeBase(process.env);
await early?.ready;
const { main } = await import('./main.js');
await main(process.env, early);
