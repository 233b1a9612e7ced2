/** ASCII text (code, English) averages about 3.5 characters per token for Claude's tokenizer. */
const ASCII_CHARS_PER_TOKEN = 3.5;
/** Non-ASCII code units (CJK, Cyrillic, emoji halves) cost far more: about one token each. */
const NON_ASCII_TOKENS_PER_UNIT = 1;
const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * A cheap, deterministic token estimate used for budgets, chunk packing and reports alike, so every
 * part of the action agrees on sizes without shipping a tokenizer. It errs high on non-ASCII text,
 * where a low guess would overflow a request.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(tokenWeight(text));
}

/**
 * The same estimate before rounding up. It is additive (the weight of a concatenation is the sum of the
 * parts' weights), so pieces of a prompt can be sized one by one and their sum rounded once: the result
 * equals estimateTokens of the assembled text instead of overshooting it by up to a token per piece.
 */
export function tokenWeight(text: string): number {
  const other = text.match(NON_ASCII)?.length ?? 0;
  return (text.length - other) / ASCII_CHARS_PER_TOKEN + other * NON_ASCII_TOKENS_PER_UNIT;
}
