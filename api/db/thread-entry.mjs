// The entry of the database's worker threads (`startDbWorker` in threads.ts): imports the module named in
// `workerData.module` and calls its `run(workerData)`. A worker thread does not inherit the loader of the
// thread that started it (tsx's hooks under `npm run api` and bin/diffray-api.js, vitest's transform in the
// tests), so a TypeScript module is loaded through tsx, registered here for this thread alone; a compiled
// `.js` module needs nothing. JavaScript, not TypeScript, because it runs before any loader exists.
import { workerData } from 'node:worker_threads';

if (workerData.module.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { run } = await import(workerData.module);
run(workerData);
