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
