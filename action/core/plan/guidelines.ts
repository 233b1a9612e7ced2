import { truncate } from '../../../shared/index.js';
import { redactSecrets } from '../input/secrets.js';
import { sanitizeUntrusted } from '../input/untrusted.js';

/** Repository guideline files, read from the base commit in this order when `guidelines` is not false. */
export const GUIDELINE_FILES = ['CLAUDE.md', 'AGENTS.md', '.github/copilot-instructions.md'] as const;
/** Per file and in all: they ride in every request's (cached) prefix, so they must stay modest. */
export const GUIDELINE_FILE_CHARS = 8_000;
export const GUIDELINES_TOTAL_CHARS = 16_000;

/**
 * The guideline files as one text for `buildSystemPrompt({ guidelines })`: each under its path, sanitized
 * (hidden characters and HTML comments stripped: a guideline file can carry a prompt injection as well as a
 * PR can), secrets redacted, each and the whole capped. Empty files are left out; undefined when none remain.
 */
export function assembleGuidelines(files: { path: string; text: string }[]): string | undefined {
  const parts: string[] = [];
  let room = GUIDELINES_TOTAL_CHARS;
  for (const { path, text } of files) {
    const clean = redactSecrets(sanitizeUntrusted(text)).trim();
    if (clean === '' || room <= 0) continue;
    const part = `From ${path}:\n${truncate(clean, Math.min(GUIDELINE_FILE_CHARS, room))}`;
    parts.push(part);
    room -= part.length;
  }
  return parts.length === 0 ? undefined : parts.join('\n\n');
}

/** The guideline files looked for in the directories of changed files (below the root). */
export const NESTED_GUIDELINE_NAMES = ['CLAUDE.md', 'AGENTS.md'] as const;
/** Directories looked into at most: a PR touching thousands of directories reads the nearest ones. */
export const MAX_GUIDELINE_DIRS = 300;
/** All the nested files together: each rides only in the requests of the files under it. */
export const NESTED_GUIDELINES_TOTAL_CHARS = 32_000;

/** A guideline file below the root: it applies to the files under `dir`. */
export interface NestedGuideline {
  dir: string;
  path: string;
  text: string;
}

/**
 * The nested guideline files to look for: CLAUDE.md and AGENTS.md in every directory (below the root)
 * that holds a changed file or one of its parents, deepest first per file, at most MAX_GUIDELINE_DIRS
 * directories (the shallowest are kept: they apply to more files).
 */
export function nestedGuidelinePaths(changedPaths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of changedPaths) {
    const parts = path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const kept = [...dirs]
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))
    .slice(0, MAX_GUIDELINE_DIRS);
  return kept.flatMap((dir) => NESTED_GUIDELINE_NAMES.map((name) => `${dir}/${name}`));
}

/**
 * The nested guideline files found, sanitized and redacted like the root ones, each capped at
 * GUIDELINE_FILE_CHARS and all at NESTED_GUIDELINES_TOTAL_CHARS (shallowest first); empty ones left out.
 */
export function assembleNestedGuidelines(files: { path: string; text: string }[]): NestedGuideline[] {
  const out: NestedGuideline[] = [];
  let room = NESTED_GUIDELINES_TOTAL_CHARS;
  for (const { path, text } of files) {
    const clean = redactSecrets(sanitizeUntrusted(text)).trim();
    if (clean === '' || room <= 0) continue;
    const capped = truncate(clean, Math.min(GUIDELINE_FILE_CHARS, room));
    out.push({ dir: path.split('/').slice(0, -1).join('/'), path, text: capped });
    room -= capped.length;
  }
  return out;
}

/** The nested guideline files that apply to a file: those of its directory and of its parents. */
export function guidelinesForFile(guidelines: readonly NestedGuideline[], path: string): NestedGuideline[] {
  return guidelines.filter((g) => path.startsWith(`${g.dir}/`));
}
