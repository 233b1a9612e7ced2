import * as nodeModule from 'node:module';
import type { TypeStripper } from '../core/findings/suggestion-check.js';

type StripTypeScriptTypes = (code: string, options?: { mode?: 'strip' | 'transform' }) => string;

/**
 * Node's built-in TypeScript type stripper (`module.stripTypeScriptTypes`, Node ≥ 22.13 and 24, the action's
 * runtime): it parses JavaScript and TypeScript for suggestion checks without bundling a parser.
 * Undefined on Node 20, where JavaScript and TypeScript suggestions fall back to the indentation check. Read through the
 * namespace object, so the bundle still links on a Node without the export.
 */
export function nodeTypeStripper(): TypeStripper | undefined {
  const strip = (nodeModule as unknown as { stripTypeScriptTypes?: StripTypeScriptTypes })
    .stripTypeScriptTypes;
  if (typeof strip !== 'function') return undefined;
  return (code) => strip(code, { mode: 'strip' });
}
