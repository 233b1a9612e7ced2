import { CATEGORIES, type Category, type Finding, type Severity } from '../../../shared/index.js';
import { CHECK_NAME } from '../constants.js';
import { redactSecrets } from '../input/secrets.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVELS: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        informationUri: string;
        rules: { id: Category; name: string; shortDescription: { text: string } }[];
      };
    };
    results: SarifResult[];
  }[];
}

export interface SarifResult {
  ruleId: Category;
  ruleIndex: number;
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: '%SRCROOT%' };
      region: { startLine: number; endLine: number };
    };
  }[];
  partialFingerprints: Record<string, string>;
  properties: { severity: Severity; confidence: number };
}

/**
 * SARIF 2.1.0 for code-scanning uploads and other tools. Categories are the rules, so findings group the
 * same way as in the summary; the fingerprint lets code scanning track a finding across pushes.
 */
export function toSarif(
  findings: (Finding & { fingerprint: string })[],
  opts: { toolVersion: string; informationUri: string },
): SarifLog {
  const categories = CATEGORIES.filter((c) => findings.some((f) => f.category === c));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: CHECK_NAME,
            version: opts.toolVersion,
            informationUri: opts.informationUri,
            rules: categories.map((c) => ({
              id: c,
              name: c,
              shortDescription: { text: `diffray ${c} findings` },
            })),
          },
        },
        results: findings.map((f) => toResult(f, categories.indexOf(f.category))),
      },
    ],
  };
}

function toResult(f: Finding & { fingerprint: string }, ruleIndex: number): SarifResult {
  return {
    ruleId: f.category,
    ruleIndex,
    level: LEVELS[f.severity],
    message: { text: redactSecrets(`${f.title}\n\n${f.body}`) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(f.path), uriBaseId: '%SRCROOT%' },
          region: { startLine: Math.min(f.startLine ?? f.line, f.line), endLine: f.line },
        },
      },
    ],
    partialFingerprints: { 'diffray/v1': f.fingerprint },
    properties: { severity: f.severity, confidence: f.confidence },
  };
}

/** SARIF locations are URI references: spaces, `#`, `?` and non-ASCII characters must be percent-encoded. */
function toUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
