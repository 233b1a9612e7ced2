import { checkSuggestion } from '../core/findings/suggestion-check.js';
import type { AnchoredFinding } from '../core/types.js';
import type { HeadReader } from './head-files.js';
import type { EngineDeps } from './run-context.js';

/**
 * A suggestion stays one-click only when applying it to a scratch copy of the head file keeps the
 * indentation and, where a parser is available, still parses; otherwise it is shown as prose.
 */
export async function vetSuggestions(
  deps: EngineDeps,
  anchored: AnchoredFinding[],
  readHead: HeadReader,
): Promise<AnchoredFinding[]> {
  let demoted = 0;
  const out = await Promise.all(
    anchored.map(async (f) => {
      if (!f.suggestionApplies || f.suggestion === undefined) return f;
      const fileText = await readHead(f.path).catch(() => undefined);
      if (fileText === undefined) return { ...f, suggestionApplies: false };
      const result = checkSuggestion(
        {
          path: f.path,
          fileText,
          startLine: f.anchor.startLine ?? f.anchor.line,
          endLine: f.anchor.line,
          suggestion: f.suggestion,
        },
        deps.stripTypes ? { stripTypes: deps.stripTypes } : {},
      );
      if (result.ok) return f;
      demoted += 1;
      return { ...f, suggestionApplies: false };
    }),
  );
  if (demoted > 0) deps.log.info(`Suggestions shown as prose after the parse check: ${demoted}`);
  return out;
}
