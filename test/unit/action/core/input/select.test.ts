import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EXCLUDES,
  defaultExcludeMatcher,
  globMatcher,
  nameGlobSource,
  selectFiles,
  toPicomatchGlob,
} from '../../../../../action/core/input/select.js';
import type { DiffFile } from '../../../../../action/core/types.js';
import { addedFile, makeFile } from '../../input-fixtures.js';

const file = (path: string, overrides: Partial<DiffFile> = {}) => ({
  ...addedFile(path, ['x']),
  ...overrides,
});
const skipOf = (f: DiffFile, exclude: string[] = []) => selectFiles([f], { exclude }).skipped[0];

describe('selectFiles', () => {
  it('keeps ordinary source files, in order', () => {
    const files = [file('src/a.ts'), file('README.md'), file('.github/workflows/ci.yml'), file('dist.ts')];
    expect(selectFiles(files, { exclude: [] })).toEqual({ selected: files, skipped: [] });
  });

  it.each([
    ['package-lock.json', 'lockfile', 'package-lock.json'],
    ['web/yarn.lock', 'lockfile', 'yarn.lock'],
    ['pnpm-lock.yaml', 'lockfile', 'pnpm-lock.yaml'],
    ['bun.lockb', 'lockfile', 'bun.lockb'],
    ['bun.lock', 'lockfile', 'bun.lock'],
    ['crates/x/Cargo.lock', 'lockfile', 'Cargo.lock'],
    ['poetry.lock', 'lockfile', 'poetry.lock'],
    ['Pipfile.lock', 'lockfile', 'Pipfile.lock'],
    ['composer.lock', 'lockfile', 'composer.lock'],
    ['Gemfile.lock', 'lockfile', 'Gemfile.lock'],
    ['go.sum', 'lockfile', 'go.sum'],
    ['public/app.min.js', 'minified', '*.min.js'],
    ['styles/site.min.css', 'minified', '*.min.css'],
    ['dist/app.js.map', 'generated', '*.map'],
    ['src/api.generated.ts', 'generated', '*.generated.*'],
    ['proto/user.pb.go', 'generated', '*.pb.go'],
    ['vendor/github.com/x/y.go', 'vendored', 'vendor/'],
    ['packages/a/node_modules/left-pad/index.js', 'vendored', 'node_modules/'],
    ['third_party/zlib/inflate.c', 'vendored', 'third_party/'],
    ['docs/logo.png', 'image', '*.{png,jpg,jpeg,gif,bmp,ico,icns,webp,avif,tif,tiff,psd,svg,heic}'],
    ['icons/close.SVG', 'image', '*.{png,jpg,jpeg,gif,bmp,ico,icns,webp,avif,tif,tiff,psd,svg,heic}'],
    ['assets/font.woff2', 'binary', '*.{woff,woff2,ttf,otf,eot}'],
    ['release.tar.gz', 'binary', '*.{zip,tar,gz,tgz,bz2,xz,zst,7z,rar,jar,war,whl}'],
    ['src/__snapshots__/a.test.ts.snap', 'snapshot', '__snapshots__/'],
    ['test/view.snap', 'snapshot', '*.snap'],
  ])('skips %s as %s by default', (path, reason, glob) => {
    const skip = skipOf(file(path));
    expect(skip && { reason: skip.reason, detail: skip.detail }).toEqual({ reason, detail: glob });
  });

  it.each([['dist/index.js'], ['build/main.ts'], ['src/vendor.ts'], ['lib/lockfile.ts'], ['src/map.ts']])(
    'does not skip %s by default',
    (path) => {
      expect(skipOf(file(path))).toBeUndefined();
    },
  );

  it('skips deleted files before anything else', () => {
    expect(skipOf(file('package-lock.json', { status: 'deleted' }))).toEqual({
      path: 'package-lock.json',
      reason: 'deleted',
    });
  });

  it('skips binary files, submodules and mode-only changes', () => {
    expect(skipOf(file('data.bin', { binary: true, hunks: [] }))?.reason).toBe('binary');
    expect(skipOf(file('libs/sub', { submodule: true }))?.reason).toBe('submodule');
    expect(skipOf(makeFile('run.sh', [], { status: 'mode-changed' }))?.reason).toBe('mode-only');
  });

  it('keeps a pure rename (it has nothing to skip it for)', () => {
    const rename = makeFile('b.ts', [], { status: 'renamed', oldPath: 'a.ts' });
    expect(selectFiles([rename], { exclude: [] }).selected).toEqual([rename]);
  });

  it('skips files matching a configured exclude, naming the glob', () => {
    expect(skipOf(file('docs/guide/intro.md'), ['*.txt', 'docs/**'])).toEqual({
      path: 'docs/guide/intro.md',
      reason: 'excluded-by-config',
      detail: 'docs/**',
    });
  });

  it('reports the default reason when a default and a configured glob both match', () => {
    expect(skipOf(file('yarn.lock'), ['*.lock'])?.reason).toBe('lockfile');
  });

  it('accounts for every file exactly once', () => {
    const files = [file('a.ts'), file('yarn.lock'), file('b.ts', { status: 'deleted' }), file('c.md')];
    const { selected, skipped } = selectFiles(files, { exclude: ['*.md'] });
    expect([...selected.map((f) => f.path), ...skipped.map((s) => s.path)].sort()).toEqual(
      ['a.ts', 'b.ts', 'c.md', 'yarn.lock'].sort(),
    );
  });

  it('has a reason on every default exclude', () => {
    expect(DEFAULT_EXCLUDES.every((d) => d.glob.length > 0 && d.reason.length > 0)).toBe(true);
  });
});

describe('globMatcher (gitignore-like globs)', () => {
  it.each([
    ['*.md', 'README.md', true],
    ['*.md', 'docs/deep/a.md', true],
    ['docs/**', 'docs/a/b.md', true],
    ['docs/**', 'src/docs/a.md', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['/config.yml', 'config.yml', true],
    ['/config.yml', 'sub/config.yml', false],
    ['generated/', 'a/generated/b.ts', true],
    ['generated/', 'generated.ts', false],
    ['.env*', 'app/.env.local', true],
    ['**/*.test.ts', 'test/unit/x.test.ts', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globMatcher([glob])(path)).toBe(expected ? glob : undefined);
  });

  it('is case-sensitive unless asked otherwise', () => {
    expect(globMatcher(['*.md'])('README.MD')).toBeUndefined();
    expect(globMatcher(['*.md'], { nocase: true })('README.MD')).toBe('*.md');
  });

  it('names the first glob that matches', () => {
    expect(globMatcher(['*.ts', 'src/**'])('src/a.ts')).toBe('*.ts');
  });

  it('rewrites globs into picomatch form', () => {
    expect(toPicomatchGlob('vendor/')).toBe('**/vendor/**');
    expect(toPicomatchGlob('/a/b')).toBe('a/b');
    expect(toPicomatchGlob('*.js')).toBe('**/*.js');
  });
});

describe('defaultExcludeMatcher (the default excludes tried all at once)', () => {
  /** What picomatch says, glob by glob in order: the definition the fast matcher must keep. */
  const compiled = DEFAULT_EXCLUDES.map((d) => ({ d, matches: globMatcher([d.glob], { nocase: true }) }));
  const reference = (path: string) => compiled.find((c) => c.matches(path) !== undefined)?.d;

  /** Names each default glob matches (every alternative, `*` as nothing, a word, a dotted name), in any case. */
  const examples = DEFAULT_EXCLUDES.flatMap(({ glob }) => {
    const body = glob.replace(/\/$/, '');
    const braces = /\{([^}]*)\}/.exec(body);
    const alternatives = braces ? braces[1]!.split(',').map((a) => body.replace(braces[0], a)) : [body];
    return alternatives.flatMap((name) =>
      ['', 'x', '.hidden', 'a.b'].flatMap((star) => {
        const file = name.split('*').join(star);
        return glob.endsWith('/') ? [file, `${file}/a.ts`, `x/${file}/b/c.ts`] : [file];
      }),
    );
  });
  const paths = [
    ...examples.flatMap((e) => [e, `src/${e}`, `a/b/${e}`, e.toUpperCase(), `src/${e}x`, `x${e}`]),
    ...['src/a.ts', 'dist/index.js', 'src/vendor.ts', 'lib/lockfile.ts', 'src/map.ts', 'a.min', 'min.js'],
    ...['vendorx/a.ts', 'a/node_modules', 'snap', '.snap', 'a/__snapshots__', 'x.png/y.ts', 'README.md'],
  ];

  it('translates every default glob', () => {
    expect(DEFAULT_EXCLUDES.filter((d) => nameGlobSource(d.glob) === undefined)).toEqual([]);
  });

  it(`agrees with picomatch on ${paths.length} paths`, () => {
    const matcher = defaultExcludeMatcher();
    const disagreements = paths.filter((p) => matcher(p)?.glob !== reference(p)?.glob);
    expect(disagreements).toEqual([]);
    expect(paths.filter((p) => reference(p) !== undefined).length).toBeGreaterThan(paths.length / 3);
  });

  it('leaves globs it cannot translate to picomatch', () => {
    for (const glob of ['src/*.ts', 'a?.ts', '[ab].ts', '**/x', '!x', '{a,{b,c}}', 'x}', '{a}', '']) {
      expect(nameGlobSource(glob)).toBeUndefined();
    }
    expect(nameGlobSource('*.{a.b,c}')).toBe('[^/]*\\.(?:a\\.b|c)');
  });
});
