import { describe, expect, it } from 'vitest';
import { DiffStreamParser, parseDiff } from '../../../../../action/core/input/diff.js';

/** git diff output with what could trip a parser that cuts at file headers. */
const DIFF = [
  'diff --git a/docs/patch.md b/docs/patch.md',
  'index 1111111..2222222 100644',
  '--- a/docs/patch.md',
  '+++ b/docs/patch.md',
  '@@ -1,5 +1,6 @@ # How to read a diff',
  ' diff --git a/x b/x',
  '-diff --git a/old b/old',
  '+diff --git a/new b/new',
  '+@@ -1 +1 @@',
  ' ',
  '',
  'diff --git a/src/café.ts b/src/café.ts',
  'index 3333333..4444444 100644',
  '--- a/src/café.ts',
  '+++ b/src/café.ts',
  '@@ -10,2 +10,2 @@ export function naïve() {',
  '-  return "𝄞 old";\r',
  '+  return "𝄞 new ✓";\r',
  ' }',
  'diff --git a/img.png b/img.png',
  'index 5555555..6666666 100644',
  'Binary files a/img.png and b/img.png differ',
  'diff --git a/old/name.ts b/new/name.ts',
  'similarity index 95%',
  'rename from old/name.ts',
  'rename to new/name.ts',
  'index 7777777..8888888 100644',
  '--- a/old/name.ts',
  '+++ b/new/name.ts',
  '@@ -1 +1 @@',
  '-a',
  '+b',
  '\\ No newline at end of file',
  'diff --git "a/tab\\tname.txt" "b/tab\\tname.txt"',
  'index 9999999..aaaaaaa 100644',
  '--- "a/tab\\tname.txt"',
  '+++ "b/tab\\tname.txt"',
  '@@ -1 +1 @@',
  '-q',
  '+r',
  'diff --git a/gone.txt b/gone.txt',
  'deleted file mode 100644',
  'index bbbbbbb..0000000',
  '--- a/gone.txt',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '-bye',
  '-for now',
  '',
].join('\n');

const streamed = (chunks: string[]) => {
  const parser = new DiffStreamParser();
  for (const chunk of chunks) parser.push(chunk);
  return parser.end();
};

describe('DiffStreamParser', () => {
  const whole = parseDiff(DIFF);

  it('parses the text in one push as parseDiff does', () => {
    expect(whole.map((f) => f.path)).toEqual([
      'docs/patch.md',
      'src/café.ts',
      'img.png',
      'new/name.ts',
      'tab\tname.txt',
      'gone.txt',
    ]);
    expect(streamed([DIFF])).toEqual(whole);
  });

  it('parses the same files wherever the text is cut, header lines and hunk bodies included', () => {
    for (let cut = 0; cut <= DIFF.length; cut++) {
      expect(streamed([DIFF.slice(0, cut), DIFF.slice(cut)])).toEqual(whole);
    }
  });

  it('parses the same files from one character at a time and from uneven pieces', () => {
    expect(streamed([...DIFF])).toEqual(whole);
    for (const size of [7, 13, 64, 100]) {
      const pieces: string[] = [];
      for (let i = 0; i < DIFF.length; i += size) pieces.push(DIFF.slice(i, i + size));
      expect(streamed(pieces)).toEqual(whole);
    }
  });

  it('hands over the files in batches, in order, as they are parsed', () => {
    const batches: string[][] = [];
    const parser = new DiffStreamParser((files) => batches.push(files.map((f) => f.path)));
    const cut = DIFF.indexOf('diff --git a/old/name.ts');
    parser.push(DIFF.slice(0, cut + 20));
    expect(batches).toEqual([['docs/patch.md', 'src/café.ts', 'img.png']]);
    parser.push(DIFF.slice(cut + 20));
    const files = parser.end();
    expect(batches.flat()).toEqual(files.map((f) => f.path));
    expect(batches.length).toBeGreaterThan(1);
  });

  it('parses nothing from nothing', () => {
    expect(streamed([])).toEqual([]);
    expect(streamed(['', ''])).toEqual([]);
  });
});
