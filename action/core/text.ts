/** A commit as people read it in logs and on GitHub: the first seven hex digits of its sha. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
