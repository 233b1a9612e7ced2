// The bundle's entry (dist/index.js): the only module with a top-level effect.
import { main } from './main.js';

await main();
