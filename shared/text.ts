/**
 * Removes fenced code blocks (``` and ~~~, including ```suggestion) from finding prose. The results API
 * must never store code; both the action (before sending) and the API (on receipt) call this.
 */
export function stripCodeBlocks(text: string): string {
  // Text without a ``` or ~~~ run has nothing to strip: plain prose (nearly every finding) skips the split.
  if (!text.includes('```') && !text.includes('~~~')) return text;
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === undefined && m) {
      fence = m[1]!;
      out.push('[code omitted]');
      continue;
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence[0]!.repeat(fence.length)) && line.trim().replace(/[`~]/g, '') === '')
        fence = undefined;
      continue;
    }
    out.push(line);
  }
  return out.join('\n').replace(/`{3,}|~{3,}/g, '');
}

/** Caps a string at `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}
