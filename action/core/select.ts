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
  const defaults = DEFAULT_EXCLUDES.map((d) => ({ ...d, matches: globMatcher([d.glob], { nocase: true }) }));
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
  defaults: (DefaultExclude & { matches: (path: string) => string | undefined })[],
  userExclude: (path: string) => string | undefined,
): SkippedFile | undefined {
  const byDefault = defaults.find((d) => d.matches(path));
  if (byDefault) return { path, reason: byDefault.reason, detail: byDefault.glob };
  const glob = userExclude(path);
  return glob === undefined ? undefined : { path, reason: 'excluded-by-config', detail: glob };
}
