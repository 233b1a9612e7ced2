import {
  formatConfigIssues,
  heldKeysNotice,
  mergeConfigs,
  parseConfigYaml,
  type DiffrayConfig,
} from '../../shared/index.js';
import {
  assembleGuidelines,
  assembleNestedGuidelines,
  GUIDELINE_FILES,
  NESTED_GUIDELINE_NAMES,
  nestedGuidelinePaths,
  type NestedGuideline,
} from '../core/plan/guidelines.js';
import { ConfigError, SkipError } from '../errors.js';
import type { DiffFile } from '../core/types.js';
import type { Effective, EngineDeps, Notes, ReviewSettings } from './run-context.js';

/** The config from the base commit (a PR must not rewrite the rules it is reviewed by), over the account's. */
export async function loadEffectiveConfig(
  deps: EngineDeps,
  settings: ReviewSettings,
  notes: Notes,
): Promise<Effective> {
  const text = await deps.git.showFile(settings.pr.baseSha, settings.configFile);
  let config: DiffrayConfig = {};
  if (text !== undefined) {
    const parsed = parseConfigYaml(text);
    if (!parsed.ok) {
      throw new ConfigError(
        `Invalid ${settings.configFile} (read from the base branch: fix it there):\n${formatConfigIssues(settings.configFile, parsed.issues)}`,
      );
    }
    config = parsed.config;
    deps.log.info(`Config: ${settings.configFile} from the base commit`);
  }
  let hostedConfig: DiffrayConfig | undefined;
  if (deps.resultsApi) {
    const hosted = await deps.resultsApi.fetchConfig(settings.repository);
    if (hosted.warning) notes.warnings.push(hosted.warning);
    hostedConfig = hosted.config;
    // The account's config is the floor; the repository file can tighten it, not loosen it.
    if (hosted.config) {
      const merged = mergeConfigs(hosted.config, config);
      config = merged.config;
      const notice = heldKeysNotice(merged.held, settings.configFile);
      if (notice) notes.warnings.push(notice);
    }
  }
  if (config.enabled === false) {
    throw hostedConfig?.enabled === false
      ? new SkipError(
          "Disabled by the account: its hosted config turns diffray off for this repository (enabled: false). Not reviewed, no model called; an admin of the account can enable it again on diffray's settings page.",
          'Disabled by the account',
        )
      : new SkipError(
          `Disabled by ${settings.configFile} (enabled: false): not reviewed, no model called.`,
          `Disabled by ${settings.configFile}`,
        );
  }
  return {
    config,
    model: config.model ?? settings.model,
    failOn: config['fail-on'] ?? settings.failOn,
    maxComments: config['max-comments'] ?? settings.maxComments,
  };
}

/**
 * Says when the PR changes a file this review reads from the base commit (config, guidelines): an author
 * who edits them sees why the review did not follow the edit. The PR's own config is also parsed, so a
 * broken one is reported before it is merged and makes every review fail.
 */
export async function noteBaseFileChanges(
  deps: EngineDeps,
  settings: ReviewSettings,
  changed: DiffFile[],
  config: DiffrayConfig,
  notes: Notes,
): Promise<void> {
  const configFile = settings.configFile.replace(/^\.\//, '');
  const read = [configFile, ...(config.guidelines === false ? [] : GUIDELINE_FILES)];
  const isGuideline = (path: string | undefined) =>
    config.guidelines !== false &&
    path !== undefined &&
    (NESTED_GUIDELINE_NAMES as readonly string[]).includes(path.split('/').at(-1)!);
  const touched = [
    ...read.filter((path) => changed.some((f) => f.path === path || f.oldPath === path)),
    ...changed.filter((f) => f.path.includes('/') && isGuideline(f.path)).map((f) => f.path),
  ];
  if (touched.length === 0) return;
  deps.log.info(
    `This PR changes ${touched.join(', ')}: this review uses the base commit's version; the change applies once merged`,
  );
  if (!touched.includes(configFile)) return;
  const text = await deps.git.showFile(settings.pr.headSha, configFile);
  const parsed = text === undefined ? undefined : parseConfigYaml(text);
  if (parsed && !parsed.ok) {
    notes.warnings.push(
      `This PR's ${configFile} is invalid, and once merged every review fails until it is fixed:\n${formatConfigIssues(configFile, parsed.issues)}`,
    );
  }
}

/**
 * Repository guideline files (CLAUDE.md, AGENTS.md, .github/copilot-instructions.md) from the BASE commit,
 * like the config: a PR must not rewrite the guidance it is judged by. Off with `guidelines: false`.
 */
export async function loadGuidelines(
  deps: EngineDeps,
  baseSha: string,
  config: DiffrayConfig,
): Promise<{ text?: string; files: string[]; sources: { path: string; text: string }[] }> {
  if (config.guidelines === false) return { files: [], sources: [] };
  const texts = await Promise.all(
    GUIDELINE_FILES.map((path) =>
      // A missing file is undefined; a failed read is said, not silently reviewed without the guidance.
      deps.git.showFile(baseSha, path).catch((error: unknown) => {
        deps.log.warning(
          `Could not read ${path} at the base commit (${(error as Error).name}); reviewing without it`,
        );
        return undefined;
      }),
    ),
  );
  const found = GUIDELINE_FILES.flatMap((path, i) => {
    const text = texts[i];
    return text !== undefined && text.trim() !== '' ? [{ path, text }] : [];
  });
  const text = assembleGuidelines(found);
  if (found.length > 0)
    deps.log.info(`Guidelines: ${found.map((f) => f.path).join(', ')} from the base commit`);
  return text === undefined
    ? { files: [], sources: [] }
    : { text, files: found.map((f) => f.path), sources: found };
}

/**
 * The guideline files (CLAUDE.md, AGENTS.md) of the directories below the root that hold a changed file,
 * from the BASE commit like the root ones, in one batch of git reads; each is sent only with the files
 * under it. Off with `guidelines: false`; an unreadable file is left out (and said).
 */
export async function loadNestedGuidelines(
  deps: EngineDeps,
  baseSha: string,
  config: DiffrayConfig,
  changed: readonly DiffFile[],
): Promise<NestedGuideline[]> {
  if (config.guidelines === false) return [];
  const paths = nestedGuidelinePaths(changed.map((f) => f.path));
  if (paths.length === 0) return [];
  const texts = await Promise.all(
    deps.git.showFiles(baseSha, paths).map((read, i) =>
      read.catch((error: unknown) => {
        deps.log.warning(
          `Could not read ${paths[i]} at the base commit (${(error as Error).name}); reviewing without it`,
        );
        return undefined;
      }),
    ),
  );
  const found = paths.flatMap((path, i) => (texts[i] !== undefined ? [{ path, text: texts[i] }] : []));
  const nested = assembleNestedGuidelines(found);
  if (nested.length > 0)
    deps.log.info(`Directory guidelines: ${nested.map((g) => g.path).join(', ')} from the base commit`);
  return nested;
}
