/**
 * A review's finding texts as the one value that is sealed for it (`finding_texts.sealed`): a flat JSON
 * array, path, title and body of the first finding, then of the next, in the order of their row ids. One
 * envelope per review rather than three per finding: the texts are only ever read together, and AES-GCM's
 * cost is mostly per call (a 50-finding review: one call instead of 150, on ingest and on every read).
 * Flat, as the writer receives them (`IngestRow.texts`), so packing them is one `JSON.stringify`.
 *
 * Migration 0003 builds the same JSON from the columns it drops, so a database from before encryption
 * gets sealed by the very code that reads it.
 */

/** One finding's text. */
export type FindingText = [path: string, title: string, body: string];

/** Values per finding in the flat list. */
const TEXT_WIDTH = 3;

/** The sealed value's plaintext for texts given flat. */
export function packTexts(flat: readonly string[]): string {
  return JSON.stringify(flat);
}

/** The texts of `count` findings, or an error when the JSON is not that. */
export function unpackTexts(json: string, count: number): FindingText[] {
  const flat: unknown = JSON.parse(json);
  if (!Array.isArray(flat) || flat.length !== count * TEXT_WIDTH)
    throw new Error(`the finding texts do not match the review's ${count} findings`);
  const texts: FindingText[] = [];
  for (let k = 0; k < flat.length; k += TEXT_WIDTH) {
    const [path, title, body] = [flat[k], flat[k + 1], flat[k + 2]];
    if (typeof path !== 'string' || typeof title !== 'string' || typeof body !== 'string')
      throw new Error('a finding text is not a string');
    texts.push([path, title, body]);
  }
  return texts;
}
