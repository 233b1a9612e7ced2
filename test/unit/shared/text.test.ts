import { describe, expect, it } from 'vitest';
import { CODE_OMITTED, stripCodeBlocks, truncate } from '../../../shared/text.js';

const SECRET = 'const internalSauce = computeSecretSauce(42);';

describe('stripCodeBlocks', () => {
  it('removes fenced code and suggestion blocks, keeping the prose', () => {
    const text =
      'Use a constant.\n```suggestion\nconst SECRET_CANARY = 1;\n```\nAlso:\n~~~ts\nlet x = SECRET_CANARY;\n~~~\nDone.';
    const out = stripCodeBlocks(text);
    expect(out).not.toContain('SECRET_CANARY');
    expect(out).toBe('Use a constant.\n[code omitted]\nAlso:\n[code omitted]\nDone.');
  });

  it('removes an unterminated fence to the end', () => {
    expect(stripCodeBlocks('see\n```js\nsecretCode()\nmore')).toBe('see\n[code omitted]');
  });

  it('does not let a shorter fence close a longer one', () => {
    const out = stripCodeBlocks('a\n````\n```\ninner code\n```\n````\nb');
    expect(out).toBe('a\n[code omitted]\nb');
  });

  it.each([
    ['a fence in a list item', `- Replace it:\n\n  \`\`\`ts\n  ${SECRET}\n  \`\`\`\n- Done`],
    ['a fence deeper in a list item', `1. Replace it:\n\n    \`\`\`ts\n    ${SECRET}\n    \`\`\``],
    ['a fence in a nested list', `- a\n  - b\n\n    ~~~\n    ${SECRET}\n    ~~~`],
    ['a fence in a blockquote', `> Replace it:\n> \`\`\`\n> ${SECRET}\n> \`\`\``],
    ['a fence in a blockquote in a list', `- quote:\n\n  > \`\`\`\n  > ${SECRET}\n  > \`\`\``],
    ['a fence in a blockquote with tabs', `>\t\`\`\`\n>\t${SECRET}\n>\t\`\`\``],
    ['an indented code block', `Replace it:\n\n    ${SECRET}\n    return;\n\nThen test.`],
    ['an indented code block with a tab', `Replace it:\n\n\t${SECRET}\n\nThen test.`],
    ['an indented code block in a blockquote', `> Replace it:\n>\n>     ${SECRET}`],
    ['an HTML pre block', `Replace it:\n\n<pre>\n${SECRET}\n</pre>\n\nThen test.`],
    ['an HTML pre with code inside', `<pre><code class="language-ts">${SECRET}</code></pre>`],
    ['inline HTML code', `Replace <code>${SECRET}</code> with a constant.`],
    ['inline HTML code across lines', `Replace <CODE>\n${SECRET}\n</CODE> here.`],
    ['an unclosed HTML code element', `Replace <code>${SECRET}`],
    ['a samp element', `Output: <samp>${SECRET}</samp>`],
    ['a long inline code span', `Replace \`${SECRET}\` with a constant.`],
    ['a long inline code span with a double-backtick fence', `Replace \`\` ${SECRET} \`\` here.`],
    ['an inline code span across lines', `Replace \`const internalSauce =\ncomputeSecretSauce(42);\` here.`],
    ['a long inline code span in a heading', `## Replace \`${SECRET}\``],
    ['a long inline code span in link text', `[\`${SECRET}\`](https://example.com)`],
    ['a long inline code span in emphasis', `**Replace \`${SECRET}\`** now`],
    ['a long inline code span in a table', `| where | what |\n|---|---|\n| a.ts | \`${SECRET}\` |`],
    ['a long inline code span in a task item', `- [ ] Replace \`${SECRET}\``],
  ])('removes %s', (_, text) => {
    const out = stripCodeBlocks(text);
    expect(out).not.toContain('computeSecretSauce');
    expect(out).toContain(CODE_OMITTED);
  });

  it('keeps the prose and the markup around what it removes', () => {
    expect(stripCodeBlocks(`> Replace it:\n> \`\`\`\n> ${SECRET}\n> \`\`\`\n> Then test.`)).toBe(
      '> Replace it:\n> [code omitted]\n> Then test.',
    );
    expect(stripCodeBlocks(`- Replace it:\n\n  \`\`\`ts\n  ${SECRET}\n  \`\`\`\n- Done`)).toBe(
      '- Replace it:\n\n  [code omitted]\n- Done',
    );
    expect(stripCodeBlocks(`Replace <code>${SECRET}</code> with a constant.`)).toBe(
      'Replace [code omitted] with a constant.',
    );
    expect(stripCodeBlocks(`Replace \`${SECRET}\` here.`)).toBe('Replace [code omitted] here.');
  });

  it.each([
    ['a name', 'call `foo()` first'],
    ['a path', 'see `src/components/auth/LoginForm.tsx`'],
    ['a member chain of 40 characters', `use \`${'a.'.repeat(19)}bc\``],
    ['a short span with a double-backtick fence', 'the ``a`b`` name'],
  ])('keeps a short inline code span without spaces: %s', (_, text) => {
    expect(stripCodeBlocks(text)).toBe(text);
  });

  it('drops what is left of a fence, so the text can never open a code block', () => {
    expect(stripCodeBlocks('See ```a()``` and ~~~ here')).toBe('See a() and  here');
  });

  it('removes an inline code span over 40 characters or with spaces in it', () => {
    expect(stripCodeBlocks(`use \`${'a.'.repeat(20)}b\``)).toBe('use [code omitted]');
    expect(stripCodeBlocks('use `a ?? b`')).toBe('use [code omitted]');
  });

  it.each([
    ['plain prose', 'The value may be undefined here; validate it first.'],
    ['lists, quotes, links and emphasis', '- **a** _b_\n- [c](https://example.com)\n\n> quoted\n\n# Heading'],
    ['comparisons and tildes', 'when a < b and c > d, about ~5 ms'],
    ['a paragraph continued with indentation', 'para\n    continued, not code'],
    ['our hidden markers', 'text\n<!-- diffray:finding:abcdef0123456789 -->\n<!-- diffray:state e30 -->'],
    ['a details block', '<details><summary>More</summary>\n\nprose\n\n</details>'],
    ['Windows line ends without code', 'a\r\nb'],
  ])('leaves %s untouched', (_, text) => {
    expect(stripCodeBlocks(text)).toBe(text);
  });

  it('removes everything rather than fail on input the parser cannot take', () => {
    const deep = `${'> '.repeat(5_000)}\`${SECRET}\``;
    expect(stripCodeBlocks(deep) === CODE_OMITTED).toBe(true);
  });

  it('has no blow-up on hostile text of the longest body', () => {
    // A few milliseconds each on an idle machine, some tens on a loaded one; a quadratic walk would take seconds.
    const hostile = ['<'.repeat(4_000), '`a` '.repeat(1_000), '- a\n  b\n'.repeat(500), '*_'.repeat(2_000)];
    const started = performance.now();
    for (const text of hostile) for (let i = 0; i < 5; i++) stripCodeBlocks(text);
    expect((performance.now() - started) / (hostile.length * 5)).toBeLessThan(200);
  });
});

describe('truncate', () => {
  it('caps long text with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
