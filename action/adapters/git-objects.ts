/**
 * Files read through one `git cat-file --batch` process instead of three processes per file: the streaming
 * parser of its answers and the reader that batches the names asked for together.
 */
import { GitError, type GitStreamer } from './git-process.js';

/** One object as `git cat-file --batch` answered for it. */
export type CatFileAnswer =
  | { kind: 'blob'; text: string }
  | { kind: 'missing' }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'not-a-blob'; type: string };

const BATCH_HEADER = /^[0-9a-f]{40,64} ([a-z]+) (\d+)$/;

/**
 * Incremental parser of `git cat-file --batch` output for a list of requests, in order: each answer is
 * `<oid> <type> <size>\n<content>\n` or `<name> missing\n` (or `ambiguous`). Content over the request's
 * byte limit is skipped as it streams by, never held; blobs are decoded as UTF-8.
 */
export class CatFileBatchParser {
  private pending: Buffer = Buffer.alloc(0);
  private next = 0;
  /** The object being read: its header is parsed, `left` content bytes (+ LF) are still to come. */
  private current: { type: string; size: number; keep: boolean; parts: Buffer[]; left: number } | undefined;

  constructor(
    private readonly limits: readonly number[],
    private readonly onAnswer: (index: number, answer: CatFileAnswer) => void,
  ) {}

  /** Answers given so far. */
  get answered(): number {
    return this.next;
  }

  push(chunk: Buffer): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      if (this.current) {
        const take = Math.min(this.current.left, buf.length - pos);
        if (this.current.keep && take > 0) this.current.parts.push(buf.subarray(pos, pos + take));
        this.current.left -= take;
        pos += take;
        if (this.current.left > 0) break;
        this.finishObject();
        continue;
      }
      const eol = buf.indexOf(10, pos);
      if (eol < 0) break;
      const line = buf.toString('latin1', pos, eol);
      pos = eol + 1;
      this.readHeader(line);
    }
    this.pending = pos < buf.length ? Buffer.from(buf.subarray(pos)) : Buffer.alloc(0);
  }

  private readHeader(line: string): void {
    if (this.next >= this.limits.length) throw new Error('git cat-file answered more than was asked');
    const header = BATCH_HEADER.exec(line);
    if (!header) {
      // `<name> missing` or `<name> ambiguous`: nothing usable under that name.
      this.onAnswer(this.next++, { kind: 'missing' });
      return;
    }
    const type = header[1]!;
    const size = Number(header[2]);
    const keep = type === 'blob' && size <= this.limits[this.next]!;
    // The content is followed by one LF, read (and dropped) with it.
    this.current = { type, size, keep, parts: [], left: size + 1 };
  }

  private finishObject(): void {
    const { type, size, keep, parts } = this.current!;
    this.current = undefined;
    const index = this.next++;
    if (type !== 'blob') return this.onAnswer(index, { kind: 'not-a-blob', type });
    if (!keep) return this.onAnswer(index, { kind: 'too-large', bytes: size });
    const content = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.onAnswer(index, { kind: 'blob', text: content.toString('utf8', 0, size) });
  }
}

/** `<rev>:<path>` names that `cat-file --batch` cannot take on its one-name-per-line input. */
export function batchable(name: string): boolean {
  return !name.includes('\n') && !name.endsWith('\r');
}

export interface ObjectReader {
  /** One object; names asked for in the same turn of the event loop share one process. */
  read(name: string, maxBytes: number): Promise<CatFileAnswer>;
  /** Many objects in one process started now, each promise settled as soon as git has written its answer. */
  readMany(names: readonly string[], maxBytes: number): Promise<CatFileAnswer>[];
}

/** Reads objects through `git cat-file --batch`: one process for many files instead of three per file. */
export function createObjectReader(stream: GitStreamer): ObjectReader {
  type Request = {
    name: string;
    maxBytes: number;
    resolve: (a: CatFileAnswer) => void;
    reject: (e: Error) => void;
  };
  let queue: Request[] = [];

  function enqueue(name: string, maxBytes: number): Promise<CatFileAnswer> {
    return new Promise((resolve, reject) => queue.push({ name, maxBytes, resolve, reject }));
  }

  function flush(): void {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const parser = new CatFileBatchParser(
      batch.map((r) => r.maxBytes),
      (i, answer) => batch[i]!.resolve(answer),
    );
    const failRest = (error: Error) => {
      for (const r of batch.slice(parser.answered)) r.reject(error);
    };
    // --buffer: git writes in full blocks, not one flush per file (hundreds of small reads on our side).
    const args = ['cat-file', '--batch', '--buffer'];
    stream(args, batch.map((r) => `${r.name}\n`).join(''), (chunk) => parser.push(chunk))
      .then((result) => {
        if (parser.answered < batch.length) {
          failRest(
            new GitError('cat-file --batch', {
              exitCode: result.exitCode,
              stderr: result.stderr || 'the output ended early',
            }),
          );
        }
      })
      .catch((error: unknown) => failRest(error instanceof Error ? error : new Error(String(error))));
  }

  return {
    read(name, maxBytes) {
      if (queue.length === 0) setImmediate(flush);
      return enqueue(name, maxBytes);
    },
    readMany(names, maxBytes) {
      const answers = names.map((name) => enqueue(name, maxBytes));
      flush();
      return answers;
    },
  };
}
