import type { DiffFile } from '../types.js';
import type { EngineDeps } from './run-context.js';

/**
 * Resolves to the file's text at the PR head, or undefined when the file does not exist there. Rejects when
 * git cannot read it: an unreadable file is not a deleted one (that would mark its findings fixed).
 */
export type HeadReader = (path: string) => Promise<string | undefined>;

/**
 * Reads files as they are at the PR head, once each: from the checkout when it holds the head's version
 * (checked against the diff's own lines), else from git at the head commit, since `actions/checkout`
 * checks out the merge commit, whose lines can differ from the head's.
 */
export function createHeadReader(deps: EngineDeps, headSha: string, diffFiles: DiffFile[]): HeadReader {
  const byPath = new Map(diffFiles.map((f) => [f.path, f]));
  const cache = new Map<string, Promise<string | undefined>>();
  const read = async (path: string): Promise<string | undefined> => {
    const file = byPath.get(path);
    if (file !== undefined) {
      const fromWorkspace = await deps.workspace?.readFile(path).catch(() => undefined);
      if (fromWorkspace !== undefined && matchesDiff(file, fromWorkspace.split('\n'))) return fromWorkspace;
    }
    return deps.git.showFile(headSha, path);
  };
  return (path) => {
    let text = cache.get(path);
    if (text === undefined) {
      text = read(path);
      cache.set(path, text);
    }
    return text;
  };
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
