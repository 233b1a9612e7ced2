/**
 * The background checkpointer's thread (started by `startCheckpointer` in `checkpointer.ts`): a PASSIVE
 * checkpoint every `CHECKPOINT_INTERVAL_MS` on its own connection, so the checkpoint (copy WAL → database
 * file and the fsyncs of `synchronous = NORMAL`) never runs inside a commit: neither on the event loop nor
 * in the writer.
 *
 * A thread of its own rather than a task of the writer's: a pass takes milliseconds to tens of them (the
 * copy and two fsyncs), during which every queued review would wait; on its own thread the pass overlaps the
 * writer's commits (WAL lets a checkpoint run beside a writer). And only `serve` runs it, while every
 * database that ingests has a writer.
 *
 * Restarting the WAL. SQLite writes the WAL from its start again only when a writer begins with every
 * frame already copied back. Between bursts that happens by itself; under a steady stream of commits a
 * PASSIVE pass never catches up (commits land while it fsyncs), so the WAL would grow until a fallback
 * checkpoint ran in a commit (copy and two fsyncs: 100–300 ms every ~80 MB of WAL). So past
 * `restartFrames` the checkpointer catches up with passes that block nobody, then closes `GATE`, waits for
 * the writer's transaction under way (the writer marks `WRITING` before it looks at the gate, so one of the
 * two always sees the other: `enterGate` in `writer-thread.ts`), runs one short pass and opens the gate: the
 * writer's next commit restarts the WAL. A write on the serving connection does not wait at the gate; it
 * only makes that attempt miss, and a later tick tries again.
 *
 * Erasing deleted text. `secure_delete` zeroes deleted rows in the database's pages, but the WAL keeps the
 * pages as they were before (the deleted text with them) until it is written over. So after a deletion the
 * serving thread asks for an erase (`ERASE_ASKED`), and the next tick runs a TRUNCATE checkpoint: every frame
 * copied back, then the -wal file cut to zero bytes. That pass waits for the writer and for readers of older
 * snapshots, and new writers wait behind it; so it runs here, behind the same gate as a restart, with a
 * short busy timeout (`checkpointer.ts`), and a tick that cannot finish it tries again at the next.
 */
import { parentPort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openThreadConnection, SIGNAL, type ThreadData } from './threads.js';

/** How often the checkpointer copies the WAL back (PASSIVE: never blocks a writer). */
const CHECKPOINT_INTERVAL_MS = 200;
/**
 * How long the checkpointer waits for the writer's transaction under way to commit before its last pass;
 * longer (the writer waiting on a lock held by the serving connection), it gives up until the next tick.
 */
const WRITER_WAIT_MS = 50;

export interface CheckpointerData extends ThreadData {
  /** WAL frames past which the checkpointer arranges a restart of the WAL. */
  restartFrames: number;
}

/** What `PRAGMA wal_checkpoint` answers: whether it was blocked, frames in the WAL, frames copied back. */
export interface Pass {
  busy: number;
  log: number;
  checkpointed: number;
}

/** What one tick did: no restart needed, the WAL's restart arranged, or the writer too slow to wait for. */
export type TickOutcome = 'passive' | 'restart' | 'writer-busy';

/** One PASSIVE checkpoint on `db`. */
function passiveCheckpoint(db: Database.Database): Pass {
  return (db.pragma('wal_checkpoint(PASSIVE)') as Pass[])[0]!;
}

/** One TRUNCATE checkpoint on `db`: every frame copied back, then the WAL cut to zero bytes. */
function truncatingCheckpoint(db: Database.Database): Pass {
  return (db.pragma('wal_checkpoint(TRUNCATE)') as Pass[])[0]!;
}

/**
 * One attempt at erasing the WAL (see the module comment): whether it was truncated. `passive` first copies
 * back what it can without blocking anyone, so the truncating pass behind the gate has little left to copy.
 */
export function eraseTick(
  passive: () => Pass,
  truncate: () => Pass,
  signals: Int32Array,
  writerWaitMs = WRITER_WAIT_MS,
): boolean {
  passive();
  return behindGate(signals, writerWaitMs, () => truncate().busy === 0) ?? false;
}

/**
 * Runs `pass` with the writer held back: closes the gate, waits for the writer's transaction under way
 * (undefined, and nothing run, when it takes longer than `writerWaitMs`), runs it, opens the gate.
 */
function behindGate<T>(signals: Int32Array, writerWaitMs: number, pass: () => T): T | undefined {
  Atomics.store(signals, SIGNAL.GATE, 1);
  try {
    if (Atomics.wait(signals, SIGNAL.WRITING, 1, writerWaitMs) === 'timed-out') return undefined;
    return pass();
  } finally {
    Atomics.store(signals, SIGNAL.GATE, 0);
    Atomics.notify(signals, SIGNAL.GATE);
  }
}

/** One tick of the checkpointer, `passive` running one pass (see the module comment). */
export function checkpointTick(
  passive: () => Pass,
  signals: Int32Array,
  restartFrames: number,
  writerWaitMs = WRITER_WAIT_MS,
): TickOutcome {
  let pass = passive();
  if (pass.log < restartFrames) return 'passive';
  // Catch up with passes back to back (they block nobody) until one leaves little behind.
  let appended = 0;
  for (let i = 0; i < 8; i += 1) {
    const next = passive();
    appended = next.log - pass.log;
    pass = next;
    if (appended < restartFrames / 64) break;
  }
  // Nothing written during the last pass (idle) or the WAL restarted meanwhile: no need to hold anyone.
  if (appended <= 0 || pass.log < restartFrames) return 'passive';
  return behindGate(signals, writerWaitMs, () => (passive(), 'restart' as const)) ?? 'writer-busy';
}

/** The thread's body (`thread-entry.mjs` calls it): ticks until the serving thread's `'close'`. */
export function run(data: CheckpointerData): void {
  const port = parentPort!;
  const connection = openThreadConnection(data);
  const { signals } = connection;
  const passive = () => passiveCheckpoint(connection.db);
  const truncate = () => truncatingCheckpoint(connection.db);
  // The last erase request satisfied: one truncation answers every request made before it began.
  let erased = 0;
  let closing = false;
  const loop = () => {
    try {
      const asked = Atomics.load(signals, SIGNAL.ERASE_ASKED);
      if (asked === erased) checkpointTick(passive, signals, data.restartFrames);
      else if (eraseTick(passive, truncate, signals)) erased = asked;
    } catch {
      // Busy or closing: the next tick retries.
    }
    if (!closing) timer = setTimeout(loop, CHECKPOINT_INTERVAL_MS);
  };
  let timer = setTimeout(loop, CHECKPOINT_INTERVAL_MS);
  port.on('message', () => {
    closing = true;
    clearTimeout(timer);
    try {
      connection.close();
    } finally {
      port.close();
    }
  });
}
