import { describe, expect, it } from 'vitest';
import { parseFindingMarkers } from '../../../../../action/core/output/markers.js';
import {
  codeSpan,
  sanitizeModelMarkdown,
  sanitizeTitle,
} from '../../../../../action/core/output/sanitize.js';

const opts = { serverUrl: 'https://github.com' };
const sanitize = (text: string) => sanitizeModelMarkdown(text, opts);

describe('sanitizeModelMarkdown: raw HTML', () => {
  it.each([
    ['an image tag with a handler', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)>'],
    [
      'a details block',
      '<details><summary>x</summary>hidden</details>',
      '&lt;details>&lt;summary>x&lt;/summary>hidden&lt;/details>',
    ],
    ['a script tag', 'a <script>alert(1)</script> b', 'a &lt;script>alert(1)&lt;/script> b'],
    ['an HTML comment', 'ok <!-- hide me --> ok', 'ok &lt;!-- hide me --> ok'],
    ['an autolink to another host', 'see <https://evil.example/x>', 'see &lt;`https://evil.example/x`>'],
  ])('escapes %s', (_, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('leaves comparison operators readable', () => {
    expect(sanitize('use a < b && c > d')).toBe('use a &lt; b && c > d');
  });
});

describe('sanitizeModelMarkdown: markers', () => {
  const fp = 'a'.repeat(32);
  it.each([
    ['prose', `<!-- diffray:finding:${fp} -->`],
    ['its own line', `text\n<!-- diffray:finding:${fp} -->\nmore`],
    ['a code fence', `\`\`\`\n<!-- diffray:finding:${fp} -->\n\`\`\``],
    ['an indented fake fence close', `\`\`\`\ncode\n    \`\`\`\n<!-- diffray:finding:${fp} -->\n\`\`\``],
    ['inline code', `\`<!-- diffray:finding:${fp} -->\``],
    ['the summary marker', '<!-- diffray:summary -->'],
    ['the state marker', '<!--diffray:state eyJ2ZXJzaW9uIjoxfQ -->'],
  ])('cannot inject a diffray marker through %s', (_, input) => {
    const out = sanitize(input);
    expect(out).not.toMatch(/<!--\s*diffray:/i);
    expect(parseFindingMarkers(out)).toEqual([]);
  });
});

describe('sanitizeModelMarkdown: images and links', () => {
  it.each([
    ['an image', 'look ![tracking pixel](https://evil.example/p.png) here', 'look tracking pixel here'],
    ['a reference image', '![alt][img]', 'alt'],
    ['a javascript: link', '[click](javascript:alert(1))', 'click (`javascript:alert(1)`)'],
    ['a link to another host', '[docs](https://evil.example/a)', 'docs (`https://evil.example/a`)'],
    ['a protocol-relative link', '[x](//evil.example/a)', 'x (`//evil.example/a`)'],
    ['a data: link', '[x](data:text/html;base64,PHNjcmlwdD4=)', 'x (`data:text/html;base64,PHNjcmlwdD4=`)'],
    ['a bare URL to another host', 'see https://evil.example/a.', 'see `https://evil.example/a`.'],
    ['a www. autolink', 'see www.evil.example', 'see `www.evil.example`'],
    [
      'a reference definition',
      '[x][1]\n\n[1]: https://evil.example',
      '[x]\\[1]\n\n1: `https://evil.example`',
    ],
    ['a link with nested brackets', '[a [b] c](https://evil.example)', 'a [b] c (`https://evil.example`)'],
    ['a deeper nesting', '[a [b [c]]](https://evil.example)', '[a [b [c]]]\\(`https://evil.example`)'],
  ])('disarms %s', (_, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('keeps links to the PR host, including relative ones', () => {
    expect(sanitize('[file](https://github.com/o/r/blob/main/a.ts "t")')).toBe(
      '[file](https://github.com/o/r/blob/main/a.ts)',
    );
    expect(sanitize('[file](/o/r/blob/main/a.ts)')).toBe('[file](https://github.com/o/r/blob/main/a.ts)');
    expect(sanitize('see https://github.com/o/r/commit/abc1234')).toBe(
      'see https://github.com/o/r/commit/abc1234',
    );
  });

  it('keeps links to a GHES host and rejects github.com there', () => {
    const ghes = { serverUrl: 'https://git.corp.example' };
    expect(sanitizeModelMarkdown('[a](https://git.corp.example/x)', ghes)).toBe(
      '[a](https://git.corp.example/x)',
    );
    expect(sanitizeModelMarkdown('[a](https://github.com/x)', ghes)).toBe('a (`https://github.com/x`)');
  });

  it('neutralizes mentions inside link text too', () => {
    expect(sanitize('[@octocat](https://github.com/octocat)')).toBe(
      '[`@octocat`](https://github.com/octocat)',
    );
  });
});

describe('sanitizeModelMarkdown: mentions, cross-references and e-mail', () => {
  it.each([
    ['a user mention', 'ping @octocat now', 'ping `@octocat` now'],
    ['a team mention', 'cc @acme/security', 'cc `@acme/security`'],
    ['a doubled @ (GitHub still pings)', 'ping @@octocat now', 'ping `@@octocat` now'],
    ['a doubled @ after a word', 'x@@octocat', 'x@`@octocat`'],
    ['a doubled @ in parentheses', '(@@octocat)', '(`@@octocat`)'],
    ['a mention right after inline code', '`a`@octocat', '`a``@octocat`'],
    ['an upper-case mention', 'ping @OctoCat', 'ping `@OctoCat`'],
    ['a cross-repository reference', 'fixes acme/widgets#12', 'fixes `acme/widgets#12`'],
    ['an upper-case cross-repository reference', 'Fixes ACME/Widgets#12', 'Fixes `ACME/Widgets#12`'],
    [
      'a cross-repository reference inside link text',
      '[see other/repo#1](https://github.com/o/r/blob/main/a.ts)',
      '[see `other/repo#1`](https://github.com/o/r/blob/main/a.ts)',
    ],
    ['an e-mail address', 'mail dev@example.com.', 'mail `dev@example.com`.'],
    ['an upper-case e-mail address', 'mail Dev.Ops+x@Example.COM', 'mail `Dev.Ops+x@Example.COM`'],
    ['an e-mail autolink', 'mail <dev@example.com>', 'mail &lt;`dev@example.com`>'],
    ['a mailto: autolink', 'mailto:dev@example.com', 'mailto:`dev@example.com`'],
    ['a package version (GitHub links it as an e-mail)', 'needs lodash@4.17.21', 'needs `lodash@4.17.21`'],
  ])('wraps %s in code', (_, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it.each([
    [
      'a link to an issue in another repository',
      '[bug](https://github.com/other/repo/issues/5)',
      'bug (`https://github.com/other/repo/issues/5`)',
    ],
    [
      'a bare URL to a pull request',
      'see https://github.com/other/repo/pull/5.',
      'see `https://github.com/other/repo/pull/5`.',
    ],
    [
      'a pull request’s files page',
      'see https://github.com/o/r/pull/5/files',
      'see `https://github.com/o/r/pull/5/files`',
    ],
    [
      'a discussion',
      '[d](https://github.com/other/repo/discussions/7)',
      'd (`https://github.com/other/repo/discussions/7`)',
    ],
    [
      'an organization discussion',
      'https://github.com/orgs/acme/discussions/7',
      '`https://github.com/orgs/acme/discussions/7`',
    ],
    [
      'a relative link to an issue comment',
      '[x](/other/repo/issues/5#issuecomment-1)',
      'x (`/other/repo/issues/5#issuecomment-1`)',
    ],
    [
      'an upper-case URL',
      'HTTPS://GITHUB.COM/Other/Repo/Issues/5',
      '`HTTPS://GITHUB.COM/Other/Repo/Issues/5`',
    ],
    [
      'a reference definition',
      '[x]\n\n[x]: https://github.com/other/repo/issues/5',
      '[x]\n\nx: `https://github.com/other/repo/issues/5`',
    ],
  ])('shows %s as code: a link would put a cross-reference in that issue', (_, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('shows issue links as code on a GHES host too', () => {
    const ghes = { serverUrl: 'https://git.corp.example' };
    expect(sanitizeModelMarkdown('[a](https://git.corp.example/o/r/issues/1)', ghes)).toBe(
      'a (`https://git.corp.example/o/r/issues/1`)',
    );
  });

  it.each([
    ['a mention', 'a `@octocat b', 'a &#96;`@octocat` b'],
    ['a mention before one', 'a @octocat` b', 'a `@octocat`&#96; b'],
    ['a link', 'see `https://evil.example/x', 'see &#96;`https://evil.example/x`'],
    ['a mention in a longer run', 'a ``@octocat` b', 'a &#96;&#96;`@octocat`&#96; b'],
    ['an escaped backtick', 'a \\`@octocat` b', 'a \\``@octocat`&#96; b'],
    ['an escaping backslash', 'a \\@octocat b', 'a \\\\`@octocat` b'],
  ])('a stray backtick beside %s cannot undo its code span', (_, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it.each([
    ['a same-repository reference', 'see #12'],
    ['a same-repository GH- reference', 'see GH-123 and gh-7'],
    ['a decorator inside code', '`@Injectable()` is fine'],
    ['a scoped package inside code', 'install `@acme/tool@1.2.3`'],
  ])('leaves %s alone', (_, input) => {
    expect(sanitize(input)).toBe(input);
  });
});

describe('sanitizeModelMarkdown: code', () => {
  it('keeps fenced code verbatim', () => {
    const code = '```ts\nif (a < b) { @decorator <img src=x> }\n```';
    expect(sanitize(`Try:\n\n${code}\n\nThen <b>done</b>.`)).toBe(
      `Try:\n\n${code}\n\nThen &lt;b>done&lt;/b>.`,
    );
  });

  it('closes a fence the model left open, so it cannot swallow what follows', () => {
    expect(sanitize('```js\nlet x = 1;')).toBe('```js\nlet x = 1;\n```');
    expect(sanitize('````\n```\nstill code')).toBe('````\n```\nstill code\n````');
  });

  it('keeps inline code spans verbatim', () => {
    expect(sanitize('use `a<b>` and ``x ` y``')).toBe('use `a<b>` and ``x ` y``');
    expect(sanitize('an escaped backslash \\\\`@x` before one')).toBe(
      'an escaped backslash \\\\`@x` before one',
    );
  });

  it('does not let an inline code span cross lines (HTML could start a block there)', () => {
    expect(sanitize('`start\n<div>x</div>\nend`')).toBe('&#96;start\n&lt;div>x&lt;/div>\nend&#96;');
  });
});

describe('sanitizeModelMarkdown: secrets, invisible text and length', () => {
  it('redacts secrets in prose and code', () => {
    const out = sanitize('key AKIAIOSFODNN7EXAMPL3\n```\nAKIAIOSFODNN7EXAMPL3\n```');
    expect(out).not.toContain('AKIAIOSFODNN7EXAMPL3');
    expect(out).toContain('REDACTED');
  });

  it('strips bidi controls and zero-width characters', () => {
    expect(sanitize('a\u202Eb\u200Bc\u{E0041}d')).toBe('abcd');
  });

  it('caps the length', () => {
    expect(sanitizeModelMarkdown('x'.repeat(10_000), { ...opts, maxChars: 100 })).toHaveLength(100);
  });
});

describe('sanitizeTitle', () => {
  it('is one line and capped at the title limit', () => {
    const title = sanitizeTitle(`line one\nline <b>two</b> ${'x'.repeat(300)}`, opts);
    expect(title).not.toContain('\n');
    expect(title.startsWith('line one line &lt;b>two&lt;/b>')).toBe(true);
    expect(title.length).toBeLessThanOrEqual(210);
  });
});

describe('codeSpan', () => {
  it.each([
    ['plain', '`plain`'],
    ['has ` tick', '``has ` tick``'],
    ['`edge', '`` `edge ``'],
    ['two\nlines', '`two lines`'],
  ])('%s → %s', (input, expected) => {
    expect(codeSpan(input)).toBe(expected);
  });
});
