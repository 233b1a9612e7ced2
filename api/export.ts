/**
 * The account export as a streamed JSON body (`GET /v1/account/export` and the page's download): one page
 * of `exportPages` per chunk, each read after a turn of the event loop, so that a large account's export
 * takes many short steps, between which every other request runs, and never holds more than a page in
 * memory (the body is pulled as the client reads it).
 */
import {
  EXPORT_SECTIONS,
  exportedAccount,
  exportPages,
  type ExportSection,
  type DiffrayDb,
} from './db/index.js';

/** The export's JSON: `{"exportedAt", "account", ...one list per section}`; undefined for no such account. */
export async function exportBody(
  db: DiffrayDb,
  accountId: string,
  now: Date,
): Promise<ReadableStream<Uint8Array> | undefined> {
  const account = await exportedAccount(db, accountId);
  if (account === undefined) return undefined;
  const pages = exportPages(db, accountId, now);
  const encoder = new TextEncoder();
  /** The sections opened so far; the last one is open (its `]` not yet written). */
  let opened = 0;
  let empty = true;
  /** Inside a review written in steps: whether its list of findings is still empty. */
  let firstFinding = true;
  /** Closes the open section and opens the others up to `section`. */
  const openUpTo = (section: ExportSection | undefined): string => {
    const until = section === undefined ? EXPORT_SECTIONS.length : EXPORT_SECTIONS.indexOf(section) + 1;
    let text = '';
    for (; opened < until; opened += 1) {
      text += `${opened > 0 ? ']' : ''},${JSON.stringify(EXPORT_SECTIONS[opened])}:[`;
      empty = true;
    }
    return text;
  };
  let text = `{"exportedAt":${JSON.stringify(now)},"account":${JSON.stringify(account)}`;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // After a turn of the event loop: the client's socket may accept chunk after chunk at once.
      await new Promise((resolve) => setImmediate(resolve));
      const step = await pages.next();
      if (step.done) {
        controller.enqueue(encoder.encode(`${text}${openUpTo(undefined)}]}`));
        controller.close();
        return;
      }
      const part = step.value;
      text += openUpTo(part.section);
      if (part.kind === 'rows') {
        for (const row of part.rows) {
          text += `${empty ? '' : ','}${JSON.stringify(row)}`;
          empty = false;
        }
      } else if (part.kind === 'review') {
        // The review with an empty list of findings last, left open: its findings pages follow.
        text += `${empty ? '' : ','}${JSON.stringify({ ...part.review, findings: [] }).slice(0, -2)}`;
        empty = false;
        firstFinding = true;
      } else {
        for (const finding of part.findings) {
          text += `${firstFinding ? '' : ','}${JSON.stringify(finding)}`;
          firstFinding = false;
        }
        if (part.last) text += ']}';
      }
      controller.enqueue(encoder.encode(text));
      text = '';
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}
