import type { DiffFile } from '../core/types.js';
import type { EngineDeps } from './run-context.js';

/**
 * Resolves to the file's text at the PR head, or undefined when the file does not exist there. Rejects when
 * git cannot read it: an unreadable file is not a deleted one (that would mark its findings fixed).
 */
export type HeadReader = (path: string) => Promise<string | undefined>;

/**
 * Reads files as they are at the PR head, once each, from git at the head commit (`actions/checkout`
 * checks out the merge commit, whose lines can differ from the head's). Reads asked for together go to git
 * together (one `cat-file --batch` in the git adapter), so `prefetch` starts the ones the review will
 * need while the engine does other work. When git cannot read a file the diff shows at the head, the
 * checkout's copy is used if it holds the head's version (checked against the diff's own lines).
 */
export function createHeadReader(
  deps: EngineDeps,
  headSha: string,
  diffFiles: DiffFile[],
  opts: { prefetch?: readonly string[] } = {},
): HeadReader {
  const byPath = new Map(diffFiles.map((f) => [f.path, f]));
  const cache = new Map<string, Promise<string | undefined>>();
  /**
   * git's answer; when git cannot give one (it failed, or says a file the diff shows at the head is not
   * there, or it is too large to read), the checkout's copy if it is the head's version, else a rejection:
   * unreadable, not deleted.
   */
  const settle = async (path: string, fromGit: Promise<string | undefined>) => {
    const file = byPath.get(path);
    const inHead = file !== undefined && file.status !== 'deleted';
    let failure: unknown;
    try {
      const text = await fromGit;
      if (text !== undefined || !inHead) return text;
      failure = new Error(`${path} could not be read at the head commit`);
    } catch (error) {
      if (!inHead) throw error;
      failure = error;
    }
    const fromWorkspace = await deps.workspace?.readFile(path).catch(() => undefined);
    if (fromWorkspace !== undefined && matchesDiff(file, fromWorkspace.split('\n'))) return fromWorkspace;
    throw failure;
  };
  const wanted = [...new Set(opts.prefetch ?? [])];
  const prefetched = deps.git.showFiles(headSha, wanted);
  wanted.forEach((path, i) => {
    const text = settle(path, prefetched[i]!);
    // Awaited by whoever asks for the path later (a failure is theirs to see, not unhandled here).
    text.catch(() => undefined);
    cache.set(path, text);
  });
  return (path) => {
    let text = cache.get(path);
    if (text === undefined) {
      text = settle(path, deps.git.showFile(headSha, path));
      cache.set(path, text);
    }
    return text;
  };
}

/**
 * Files whose head version the review reads for context: changed in place (modified, renamed, copied)
 * with hunks. Deleted files have no head version, added ones are shown whole, binary ones are not read.
 */
export function readsHead(file: DiffFile): boolean {
  return (
    file.status !== 'deleted' &&
    file.status !== 'added' &&
    !file.binary &&
    !file.submodule &&
    file.hunks.length > 0
  );
}

/** The file's lines agree with every non-deleted line of the diff (redacted lines are not compared). */
function matchesDiff(file: DiffFile, lines: string[]): boolean {
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'del' || line.newLine === undefined || line.text.includes('[REDACTED')) continue;
      if (lines[line.newLine - 1] !== line.text) return false;
    }
  }
  return true;
}
