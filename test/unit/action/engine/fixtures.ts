/**
 * The PR the engine tests review: `total()` in src/cart.ts starts counting from the wrong index (a high
 * finding), and the new src/money.ts rounds down where it should round (a medium one). Each change
 * replaces single lines, so the fake git's diff of them is the one git would make.
 */
import { modelFinding } from '../../../support/fake-ports.js';

const text = (...lines: string[]) => `${lines.join('\n')}\n`;

export const CART_BASE = text(
  "import { price } from './catalog.js';",
  '',
  'export interface Line {',
  '  sku: string;',
  '  quantity: number;',
  '}',
  '',
  'export function total(lines: Line[]): number {',
  '  let sum = 0;',
  '  for (let i = 0; i < lines.length; i++) sum += price(lines[i]!.sku) * lines[i]!.quantity;',
  '  return sum;',
  '}',
);

/** The PR's change: the loop starts at 1, and the total is clamped at zero. */
export const CART_HEAD = CART_BASE.replace('let i = 0;', 'let i = 1;').replace(
  '  return sum;',
  '  return Math.max(sum, 0);',
);

export const MONEY_HEAD = text(
  'export function toCents(amount: number): number {',
  '  return Math.floor(amount * 100);',
  '}',
);

export const MONEY_FIXED = MONEY_HEAD.replace('Math.floor', 'Math.round');

/** The line of `needle` in `content`, 1-based. */
export function lineOf(content: string, needle: string): number {
  const index = content.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`not found: ${needle}`);
  return index + 1;
}

export const SKIPS_FIRST = modelFinding({
  path: 'src/cart.ts',
  line: lineOf(CART_HEAD, 'let i = 1'),
  severity: 'high',
  title: 'total() skips the first line',
  body: 'The loop starts at 1, so the first line of the cart is never counted.',
  quote: '  for (let i = 1; i < lines.length; i++) sum += price(lines[i]!.sku) * lines[i]!.quantity;',
});

export const FLOORS_CENTS = modelFinding({
  path: 'src/money.ts',
  line: lineOf(MONEY_HEAD, 'Math.floor'),
  severity: 'medium',
  title: 'toCents() truncates',
  body: 'Math.floor turns 0.29 into 28 cents.',
  quote: '  return Math.floor(amount * 100);',
});

/** The PR's two commits: src/cart.ts changed, src/money.ts added, README.md untouched. */
export const BASE = { 'src/cart.ts': CART_BASE, 'README.md': '# shop\n' };
export const HEAD = { 'src/cart.ts': CART_HEAD, 'src/money.ts': MONEY_HEAD };
