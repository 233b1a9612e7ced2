import { isMap, parseDocument } from 'yaml';
import * as z from 'zod/mini';
import {
  DiffrayConfigSchema,
  MERGE_POLICY,
  overlayConfig,
  parseConfigYaml,
  type DiffrayConfig,
} from '../shared/index.js';

/**
 * A stored config's text read back. It was validated when it was saved; should the schema tighten later, a
 * stale config reads as empty (`stale` says so) rather than failing every request that reads it.
 */
export function readStoredConfig(yaml: string | undefined): { config: DiffrayConfig; stale: boolean } {
  if (yaml === undefined) return { config: {}, stale: false };
  const parsed = parseConfigYaml(yaml);
  return parsed.ok ? { config: parsed.config, stale: false } : { config: {}, stale: true };
}

export interface EffectiveEntry {
  /** Dotted, as the config nests it: `budget.max-cost-usd`. */
  key: string;
  value: unknown;
  /** Whose config set the value that applies. */
  source: 'repository' | 'account';
}

/**
 * The hosted config a repository gets (`GET /v1/config`: its own laid over the account default), key by key
 * with each set key's source, in the schema's key order.
 */
export function effectiveHostedConfig(account: DiffrayConfig, repository: DiffrayConfig): EffectiveEntry[] {
  const config = overlayConfig(account, repository);
  const entries: EffectiveEntry[] = [];
  const walk = (policy: object, prefix: string[]) => {
    for (const [key, row] of Object.entries(policy)) {
      const path = [...prefix, key];
      if (typeof row !== 'function') {
        walk(row as object, path);
        continue;
      }
      const value = valueAt(config, path);
      if (value === undefined) continue;
      const source = valueAt(repository, path) === undefined ? 'account' : 'repository';
      entries.push({ key: path.join('.'), value, source });
    }
  };
  walk(MERGE_POLICY, []);
  return entries;
}

function valueAt(config: DiffrayConfig, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

/** Whether diffray reviews a repository under this effective hosted config (on unless `enabled: false`). */
const isEnabled = (config: DiffrayConfig): boolean => config.enabled !== false;

/**
 * Whether the account's hosted config lets diffray review a repository, from the stored texts of the
 * account default and of the repository's own config (undefined for the default alone).
 */
export function reviewsEnabled(accountYaml: string | undefined, repositoryYaml: string | undefined): boolean {
  return isEnabled(
    overlayConfig(readStoredConfig(accountYaml).config, readStoredConfig(repositoryYaml).config),
  );
}

/**
 * A repository's config text with `enabled` set for `enabled`, comments and the other keys kept. The key is
 * written only where the account default says otherwise, so a repository enabled again under an enabled
 * default carries no leftover key.
 */
export function withEnabled(yaml: string, enabled: boolean, accountDefault: DiffrayConfig): string {
  const doc = parseDocument(yaml);
  if (isEnabled(accountDefault) !== enabled) {
    doc.set('enabled', enabled);
    return String(doc);
  }
  if (!isMap(doc.contents) || !doc.has('enabled')) return yaml;
  doc.delete('enabled');
  // An empty mapping would be stored as `{}`: a config with nothing left is no config.
  return doc.contents.items.length === 0 ? '' : String(doc);
}

export interface ConfigKeyHelp {
  key: string;
  /** What the key takes, read from the JSON Schema: `one of none, low, ...`, `true or false`, `a list`. */
  takes: string;
  description: string;
}

interface JsonSchemaNode {
  type?: string;
  enum?: unknown[];
  description?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchemaNode>;
}

/** Every key of the published JSON Schema (`schema/diffray.schema.json`), nested ones dotted, described. */
export function configKeyReference(): ConfigKeyHelp[] {
  const root = z.toJSONSchema(DiffrayConfigSchema, { io: 'input' }) as JsonSchemaNode;
  const keys: ConfigKeyHelp[] = [];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const key = prefix + name;
      keys.push({ key, takes: takes(child), description: child.description ?? '' });
      if (child.type === 'object') walk(child, `${key}.`);
    }
  };
  walk(root, '');
  return keys;
}

function takes(node: JsonSchemaNode): string {
  if (node.enum) return `one of ${node.enum.join(', ')}`;
  if (node.type === 'boolean') return 'true or false';
  if (node.type === 'array') return 'a list';
  if (node.type === 'object') return 'a mapping';
  if (node.type === 'integer' || node.type === 'number') {
    const range = [node.minimum, node.maximum].every((n) => n !== undefined)
      ? ` from ${node.minimum} to ${node.maximum}`
      : '';
    return `${node.type === 'integer' ? 'a whole number' : 'a number'}${range}`;
  }
  return 'text';
}
