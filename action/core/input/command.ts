/**
 * What a comment on a pull request asks of diffray. A command is a comment that starts with `@diffray`
 * (any case): one of the words below, or, in a reply inside one of diffray's review threads, a question.
 * Everything here is a decision on text; who may ask and where is `permission.ts`'s.
 */

export type Command =
  | { kind: 'review' }
  | { kind: 'full-review' }
  | { kind: 'dismiss'; reason: string }
  | { kind: 'undismiss' }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'help' }
  /** Any other text after `@diffray`: a question in a diffray thread, elsewhere answered with the help. */
  | { kind: 'other'; text: string };

export type CommandKind = Command['kind'];

/**
 * `@diffray` at the very start of the comment (leading blank lines and spaces allowed), not the start of a
 * longer login (`@diffray-bot`): a comment that only mentions diffray further down is a conversation
 * between people, not a command.
 */
const ADDRESSED = /^\s*@diffray(?![\w-])[ \t]*[:,]?/i;

/** The single-word commands, as typed on the first line (trailing punctuation ignored). */
const WORDS: Record<string, Exclude<CommandKind, 'dismiss' | 'other'>> = {
  review: 'review',
  'full review': 'full-review',
  undismiss: 'undismiss',
  pause: 'pause',
  resume: 'resume',
  help: 'help',
};

/** The longest reason kept with a dismissal (it is reported, and read by people deciding on a rule). */
export const MAX_DISMISS_REASON_CHARS = 500;

/** The command a comment carries, or undefined when the comment does not start with `@diffray`. */
export function parseCommand(body: string): Command | undefined {
  const text = body.replace(/\r\n?/g, '\n');
  const addressed = ADDRESSED.exec(text);
  if (!addressed) return undefined;
  const rest = text.slice(addressed[0].length).trim();
  if (rest === '') return { kind: 'help' };
  const [first = '', ...more] = rest.split('\n');
  const line = first.trim().replace(/\s+/g, ' ');
  const word = WORDS[line.toLowerCase().replace(/[.!]+$/, '')];
  if (word !== undefined && more.join('').trim() === '') return { kind: word } as Command;
  const dismiss = /^dismiss(?![\w-])[ \t]*[:,-]?/i.exec(line);
  if (dismiss) {
    const reason = [line.slice(dismiss[0].length), ...more].join('\n').trim();
    return { kind: 'dismiss', reason: reason.slice(0, MAX_DISMISS_REASON_CHARS) };
  }
  return { kind: 'other', text: rest };
}

/** Commands that act on the finding of the thread they are posted in. */
export function needsThread(command: Command): boolean {
  return command.kind === 'dismiss' || command.kind === 'undismiss' || command.kind === 'other';
}
