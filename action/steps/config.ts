import {
  formatConfigIssues,
  heldKeysNotice,
  mergeConfigs,
  parseConfigYaml,
  type DiffrayConfig,
} from '../../shared/index.js';
import { assembleGuidelines, GUIDELINE_FILES } from '../core/guidelines.js';
import { ConfigError } from '../errors.js';
import { deliver, type Effective, type EngineDeps, type Notes, type ReviewSettings } from './run-context.js';

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
        `Invalid ${settings.configFile}:\n${formatConfigIssues(settings.configFile, parsed.issues)}`,
      );
    }
    config = parsed.config;
    deps.log.info(`Config: ${settings.configFile} from the base commit`);
  }
  if (deps.resultsApi) {
    const hosted = await deps.resultsApi.fetchConfig(settings.repository);
    if (hosted.warning) notes.warnings.push(hosted.warning);
    // The account's config is the floor; the repository file can tighten it, not loosen it.
    if (hosted.config) {
      const merged = mergeConfigs(hosted.config, config);
      config = merged.config;
      const notice = heldKeysNotice(merged.held, settings.configFile);
      if (notice) notes.warnings.push(notice);
    }
  }
  return {
    config,
    model: config.model ?? settings.model,
    failOn: config['fail-on'] ?? settings.failOn,
    maxComments: config['max-comments'] ?? settings.maxComments,
  };
}

/** A broken config fails the check with the located problems, so the author sees them on the PR. */
export async function reportConfigError(
  deps: EngineDeps,
  settings: ReviewSettings,
  error: ConfigError,
  notes: Notes,
): Promise<void> {
  const id = await deliver(notes, () => deps.github?.createCheckRun(settings.pr.headSha));
  if (id === undefined) return;
  await deliver(notes, () =>
    deps.github?.completeCheckRun(id, {
      conclusion: 'failure',
      output: { title: `Invalid ${settings.configFile}`, summary: '```\n' + error.message + '\n```' },
      annotations: [],
    }),
  );
}

/**
 * Repository guideline files (CLAUDE.md, AGENTS.md, .github/copilot-instructions.md) from the BASE commit,
 * like the config: a PR must not rewrite the guidance it is judged by. Off with `guidelines: false`.
 */
export async function loadGuidelines(
  deps: EngineDeps,
  baseSha: string,
  config: DiffrayConfig,
): Promise<{ text?: string; files: string[] }> {
  if (config.guidelines === false) return { files: [] };
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
  return text === undefined ? { files: [] } : { text, files: found.map((f) => f.path) };
}
