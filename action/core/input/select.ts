import picomatch from 'picomatch';
import type { DiffFile, Selection, SkipReason, SkippedFile } from '../types.js';

/** A default exclusion: files matching `glob` are not reviewed, and the summary says `reason`. */
export interface DefaultExclude {
  glob: string;
  reason: SkipReason;
}

const each = (reason: SkipReason, globs: string[]): DefaultExclude[] =>
  globs.map((glob) => ({ glob, reason }));

/**
 * Files nobody reviews by reading the diff: lockfiles, minified and generated output, vendored code,
 * images, fonts and archives, test snapshots. Only unambiguous names: `dist/` or `build/` can be
 * hand-written source in some repositories, so they are left to the user's `exclude`.
 */
export const DEFAULT_EXCLUDES: readonly DefaultExclude[] = [
  ...each('lockfile', [
    'package-lock.json',
    'npm-shrinkwrap.json',
    'yarn.lock',
    'pnpm-lock.yaml',
    'bun.lock',
    'bun.lockb',
    'Cargo.lock',
    'poetry.lock',
    'Pipfile.lock',
    'uv.lock',
    'composer.lock',
    'Gemfile.lock',
    'go.sum',
    'gradle.lockfile',
    'packages.lock.json',
    'Package.resolved',
    'Podfile.lock',
    'pubspec.lock',
    'mix.lock',
    'flake.lock',
  ]),
  ...each('minified', ['*.min.js', '*.min.mjs', '*.min.cjs', '*.min.css']),
  ...each('generated', [
    '*.map',
    '*.generated.*',
    '*.gen.go',
    'zz_generated.*',
    '*.pb.go',
    '*.pb.cc',
    '*.pb.h',
    '*_pb2.py',
    '*_pb2_grpc.py',
    '*_pb2.pyi',
    '*.g.dart',
    '*.freezed.dart',
  ]),
  ...each('vendored', ['vendor/', 'node_modules/', 'third_party/', 'bower_components/']),
  ...each('image', ['*.{png,jpg,jpeg,gif,bmp,ico,icns,webp,avif,tif,tiff,psd,svg,heic}']),
  ...each('binary', [
    '*.{woff,woff2,ttf,otf,eot}',
    '*.{zip,tar,gz,tgz,bz2,xz,zst,7z,rar,jar,war,whl}',
    '*.{pdf,exe,dll,so,dylib,a,o,wasm,class,pyc}',
  ]),
  ...each('snapshot', ['__snapshots__/', '*.snap']),
];

/**
 * Gitignore-like globs, because that is what users write in `exclude`: a glob without a slash matches
 * the file name at any depth (`*.md`), a trailing slash means everything below a folder at any depth
 * (`vendor/`), a leading slash anchors to the repository root. Dotfiles match too.
 */
export function toPicomatchGlob(glob: string): string {
  const rooted = glob.startsWith('/');
  let body = rooted ? glob.slice(1) : glob;
  const folder = body.endsWith('/');
  if (folder) body = body.slice(0, -1);
  const full = folder ? `${body}/**` : body;
  return rooted || body.includes('/') ? full : `**/${full}`;
}

/**
 * Compiles globs once; the returned function names the first glob that matches a path, if any.
 * `nocase` is for the default excludes, where `LOGO.PNG` is as much an image as `logo.png`.
 */
export function globMatcher(
  globs: readonly string[],
  opts: { nocase?: boolean } = {},
): (path: string) => string | undefined {
  const options = { dot: true, nocase: opts.nocase ?? false };
  const compiled = globs.map((glob) => ({ glob, test: picomatch(toPicomatchGlob(glob), options) }));
  return (path) => compiled.find((c) => c.test(path))?.glob;
}

/**
 * Splits the diff into files to review and files skipped, each skip with a reason (and the glob that
 * matched) so the summary can say exactly what was not reviewed and why. Facts about the file (deleted,
 * submodule, binary, mode-only) come before default globs, which come before the user's excludes.
 */
export function selectFiles(files: DiffFile[], opts: { exclude: string[] }): Selection {
  const defaults = defaultExcludeMatcher();
  const userExclude = globMatcher(opts.exclude);
  const selection: Selection = { selected: [], skipped: [] };
  for (const file of files) {
    const skip = intrinsicSkip(file) ?? globSkip(file.path, defaults, userExclude);
    if (skip) selection.skipped.push(skip);
    else selection.selected.push(file);
  }
  return selection;
}

function intrinsicSkip(file: DiffFile): SkippedFile | undefined {
  const { path } = file;
  if (file.status === 'deleted') return { path, reason: 'deleted' };
  if (file.submodule) return { path, reason: 'submodule' };
  if (file.binary) return { path, reason: 'binary' };
  if (file.status === 'mode-changed') return { path, reason: 'mode-only' };
  return undefined;
}

function globSkip(
  path: string,
  defaults: (path: string) => DefaultExclude | undefined,
  userExclude: (path: string) => string | undefined,
): SkippedFile | undefined {
  const byDefault = defaults(path);
  if (byDefault) return { path, reason: byDefault.reason, detail: byDefault.glob };
  const glob = userExclude(path);
  return glob === undefined ? undefined : { path, reason: 'excluded-by-config', detail: glob };
}

let defaultMatcher: ((path: string) => DefaultExclude | undefined) | undefined;

/**
 * The first default exclude matching a path, case-insensitively. ~50 glob matchers tried on each of a
 * thousand paths cost more than the rest of the selection together, so the defaults are first tried all
 * at once: one regular expression over the file name (globs without a slash) and one over the folder
 * names (`vendor/`). The globs are name globs of `*`, `{a,b}` and plain characters, translated as
 * picomatch reads them under `**` with `dot` (a unit test holds the two to the same answers); a default
 * outside that form would be matched by picomatch alone.
 */
export function defaultExcludeMatcher(): (path: string) => DefaultExclude | undefined {
  if (defaultMatcher) return defaultMatcher;
  const compiled = DEFAULT_EXCLUDES.map((d) => ({ ...d, source: nameGlobSource(d.glob) }));
  const fileSources = compiled.filter((c) => c.source !== undefined && !c.glob.endsWith('/'));
  const folderSources = compiled.filter((c) => c.source !== undefined && c.glob.endsWith('/'));
  const anyFile = alternation(fileSources.map((c) => c.source!));
  const anyFolder = alternation(folderSources.map((c) => c.source!));
  const tests = compiled.map((c) => {
    if (c.source === undefined) {
      const matches = globMatcher([c.glob], { nocase: true });
      return { exclude: c, test: (path: string) => matches(path) !== undefined, fast: false };
    }
    const re = new RegExp(`^${c.source}$`, 'i');
    const test = c.glob.endsWith('/')
      ? (path: string) => path.split('/').some((segment) => re.test(segment))
      : (path: string) => re.test(baseName(path));
    return { exclude: c, test, fast: true };
  });
  const slow = tests.some((t) => !t.fast);
  defaultMatcher = (path) => {
    const maybe =
      slow || anyFile.test(baseName(path)) || path.split('/').some((segment) => anyFolder.test(segment));
    if (!maybe) return undefined;
    const hit = tests.find((t) => t.test(path));
    return hit && { glob: hit.exclude.glob, reason: hit.exclude.reason };
  };
  return defaultMatcher;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function alternation(sources: string[]): RegExp {
  return sources.length === 0 ? /(?!)/ : new RegExp(`^(?:${sources.join('|')})$`, 'i');
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

/**
 * The regular expression source of a name glob (`*.min.js`, `*.{png,jpg}`, `vendor/`), or undefined
 * for anything else (`?`, classes, negation, nested braces, a slash inside).
 */
export function nameGlobSource(glob: string): string | undefined {
  const body = glob.endsWith('/') ? glob.slice(0, -1) : glob;
  if (body === '' || /[?[\]!\\/]|\*\*/.test(body)) return undefined;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '*') out += '[^/]*';
    else if (ch === '{') {
      const end = body.indexOf('}', i);
      const inner = end < 0 ? '' : body.slice(i + 1, end);
      if (end < 0 || /[{*]/.test(inner) || !inner.includes(',')) return undefined;
      out += `(?:${inner
        .split(',')
        .map((alt) => alt.replace(REGEX_SPECIAL, '\\$&'))
        .join('|')})`;
      i = end;
    } else if (ch === '}') return undefined;
    else out += ch.replace(REGEX_SPECIAL, '\\$&');
  }
  return out;
}
