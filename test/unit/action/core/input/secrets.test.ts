import { describe, expect, it } from 'vitest';
import { redactSecrets, scanAndRedact, secretFinding } from '../../../../../action/core/input/secrets.js';
import { FindingSchema } from '../../../../../shared/index.js';
import { makeFile, makeHunk } from '../../input-fixtures.js';

/**
 * Fake credentials are assembled at run time so this file never contains a string that secret scanners
 * (or GitHub push protection) would take for a real one.
 */
function randomToken(
  length: number,
  seed = 7,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
) {
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[state % alphabet.length];
  }
  return out;
}

const join = (...parts: string[]) => parts.join('');
const AWS_ACCESS = join('AKIA', 'Z7QX3MPL4K2RTV9W');
const AWS_TEMP = join('ASIA', 'Q4N8B2XK7LM3PZ6R');
const AWS_SECRET = randomToken(40, 3, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+');
const GITHUB = (prefix: string) => join(prefix, '_', randomToken(36, 11));
const GITHUB_PAT = join('github', '_pat_', randomToken(22, 5), '_', randomToken(59, 6));
const ANTHROPIC = join('sk-', 'ant-api03-', randomToken(93, 13), 'AA');
const OPENAI = join('sk-', 'proj-', randomToken(48, 17));
const SLACK = join('xo', 'xb-', '2417385620-', '2417385620000-', randomToken(24, 19));
const HIGH = randomToken(32, 23);
const PEM_BEGIN = join('-----BEGIN ', 'RSA PRIVATE KEY-----');
const PEM_END = join('-----END ', 'RSA PRIVATE KEY-----');

const DETECTED: [string, string, string][] = [
  ['aws-access-key', `const id = "${AWS_ACCESS}";`, AWS_ACCESS],
  ['aws-access-key', `key: ${AWS_TEMP}`, AWS_TEMP],
  ['aws-secret-key', `AWS_SECRET_ACCESS_KEY=${AWS_SECRET}`, AWS_SECRET],
  ['aws-secret-key', `aws_secret_access_key = "${AWS_SECRET}"`, AWS_SECRET],
  ['github-token', `token = "${GITHUB('ghp')}"`, GITHUB('ghp')],
  ['github-token', `auth: ${GITHUB('gho')}`, GITHUB('gho')],
  ['github-token', `x ${GITHUB('ghs')} y`, GITHUB('ghs')],
  ['github-token', `x ${GITHUB('ghu')} y`, GITHUB('ghu')],
  ['github-token', `x ${GITHUB('ghr')} y`, GITHUB('ghr')],
  ['github-token', `GH=${GITHUB_PAT}`, GITHUB_PAT],
  ['anthropic-key', `ANTHROPIC_API_KEY=${ANTHROPIC}`, ANTHROPIC],
  ['openai-key', `openai.api_key = "${OPENAI}"`, OPENAI],
  ['slack-token', `slack("${SLACK}")`, SLACK],
  ['high-entropy-secret', `const dbPassword = "${HIGH}";`, HIGH],
  ['high-entropy-secret', `  "api_key": '${HIGH}',`, HIGH],
  ['high-entropy-secret', `client_secret: \`${HIGH}\``, HIGH],
  ['high-entropy-secret', `SERVICE_TOKEN=${HIGH}`, HIGH],
  ['high-entropy-secret', `export STRIPE_SECRET_KEY=${HIGH}`, HIGH],
];

const NOT_SECRETS: [string, string][] = [
  ['an environment reference', 'const password = process.env.DB_PASSWORD_2024_PRODUCTION;'],
  ['a template placeholder', 'password: "${{ secrets.DATABASE_PASSWORD_V2 }}"'],
  ['an obvious placeholder', 'api_key = "your-api-key-goes-here-1234"'],
  ['a masked value', 'token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxx1"'],
  ['a low-entropy value', 'password = "aaaaaaaaaaaaaaaaaaaaaaaa11"'],
  ['a word without digits', 'secret = "thisIsNotActuallyASecretValue"'],
  ['a short value', 'password = "hunter2"'],
  ['an identifier in code', '  token: someVariableNameWith2Digits9,'],
  ['a URL', 'token_url = "https://auth.internal.io/oauth2/v1/token"'],
  ['a token-ish word in prose', 'Rotate the token every 90 days, see docs/security.md'],
  ['an sk- identifier', 'const task-runner-configuration-for-the-build = 1'],
  ['a short ghp_ prefix', 'const ghp_prefix = "ghp_";'],
];

describe('redactSecrets', () => {
  it.each(DETECTED)('redacts %s in %j', (kind, line, secret) => {
    const out = redactSecrets(line);
    expect(out).not.toContain(secret);
    expect(out).toContain(`[REDACTED:${kind}]`);
  });

  it.each(NOT_SECRETS)('leaves %s alone', (_name, line) => {
    expect(redactSecrets(line)).toBe(line);
  });

  it('keeps the code around the secret', () => {
    expect(redactSecrets(`const id = "${AWS_ACCESS}"; // prod`)).toBe(
      'const id = "[REDACTED:aws-access-key]"; // prod',
    );
  });

  it('redacts every secret on a line', () => {
    const out = redactSecrets(`${AWS_ACCESS} ${GITHUB('ghp')}`);
    expect(out).toBe('[REDACTED:aws-access-key] [REDACTED:github-token]');
  });

  it('redacts a multi-line PEM private key, body included', () => {
    const text = [
      'key = """',
      PEM_BEGIN,
      randomToken(64, 1),
      randomToken(64, 2),
      PEM_END,
      '"""',
      'after',
    ].join('\n');
    expect(redactSecrets(text)).toBe(
      [
        'key = """',
        '[REDACTED:private-key]',
        '[REDACTED:private-key]',
        '[REDACTED:private-key]',
        '[REDACTED:private-key]',
        '"""',
        'after',
      ].join('\n'),
    );
  });

  it('redacts a PEM key escaped on one line (as in JSON credentials)', () => {
    const line = `"private_key": "${PEM_BEGIN}\\n${randomToken(64, 3)}\\n${PEM_END}\\n",`;
    expect(redactSecrets(line)).toBe('"private_key": "[REDACTED:private-key]\\n",');
  });

  it('redacts to the end when a key block is never closed', () => {
    expect(redactSecrets(`${PEM_BEGIN}\n${randomToken(64, 4)}`)).toBe(
      '[REDACTED:private-key]\n[REDACTED:private-key]',
    );
  });

  it('is idempotent', () => {
    const once = redactSecrets(DETECTED.map(([, line]) => line).join('\n'));
    expect(redactSecrets(once)).toBe(once);
  });
});

describe('scanAndRedact', () => {
  const secretFile = () =>
    makeFile('src/config.ts', [
      makeHunk(10, [
        ` const old = "${AWS_ACCESS}";`,
        `-const token = "${GITHUB('ghp')}";`,
        `+const token = "${GITHUB('gho')}";`,
        '+const fine = 1;',
        `+const both = ["${AWS_ACCESS}", "${ANTHROPIC}"];`,
      ]),
    ]);

  it('reports added lines only, with path, line and kind', () => {
    expect(scanAndRedact([secretFile()]).hits).toEqual([
      { path: 'src/config.ts', line: 11, kind: 'github-token' },
      { path: 'src/config.ts', line: 13, kind: 'anthropic-key' },
      { path: 'src/config.ts', line: 13, kind: 'aws-access-key' },
    ]);
  });

  it('redacts every line, context and deleted lines too', () => {
    const [file] = scanAndRedact([secretFile()]).files;
    expect(file!.hunks[0]!.lines.map((l) => l.text)).toEqual([
      'const old = "[REDACTED:aws-access-key]";',
      'const token = "[REDACTED:github-token]";',
      'const token = "[REDACTED:github-token]";',
      'const fine = 1;',
      'const both = ["[REDACTED:aws-access-key]", "[REDACTED:anthropic-key]"];',
    ]);
  });

  it('never puts the secret in a hit', () => {
    const { hits } = scanAndRedact([secretFile()]);
    expect(hits).toHaveLength(3);
    expect(JSON.stringify(hits)).not.toMatch(/AKIA|ghp_|gho_|sk-ant/);
  });

  it('does not mutate its input and returns clean files unchanged', () => {
    const dirty = secretFile();
    const clean = makeFile('a.ts', [makeHunk(1, ['+const a = 1;'])]);
    const before = JSON.stringify(dirty);
    const { files } = scanAndRedact([dirty, clean]);
    expect(JSON.stringify(dirty)).toBe(before);
    expect(files[1]).toBe(clean);
    expect(files[0]).not.toBe(dirty);
  });

  it('reports one hit per added private key block, at its first added line', () => {
    const file = makeFile('certs/key.pem', [
      makeHunk(1, [`+${PEM_BEGIN}`, `+${randomToken(64, 8)}`, `+${PEM_END}`]),
    ]);
    const { files, hits } = scanAndRedact([file]);
    expect(hits).toEqual([{ path: 'certs/key.pem', line: 1, kind: 'private-key' }]);
    expect(files[0]!.hunks[0]!.lines.map((l) => l.text)).toEqual(
      Array.from({ length: 3 }, () => '[REDACTED:private-key]'),
    );
  });

  it('reports a key whose body changes under an unchanged header', () => {
    const file = makeFile('key.pem', [
      makeHunk(1, [` ${PEM_BEGIN}`, `-${randomToken(64, 9)}`, `+${randomToken(64, 10)}`, ` ${PEM_END}`]),
    ]);
    expect(scanAndRedact([file]).hits).toEqual([{ path: 'key.pem', line: 2, kind: 'private-key' }]);
  });
});

describe('secretFinding', () => {
  const hit = { path: 'src/config.ts', line: 12, kind: 'aws-access-key' };

  it('is a valid critical security finding on the hit line', () => {
    const finding = secretFinding(hit);
    expect(FindingSchema.parse(finding)).toEqual(finding);
    expect(finding).toMatchObject({
      path: 'src/config.ts',
      line: 12,
      severity: 'critical',
      category: 'security',
      confidence: 1,
    });
    expect(finding.suggestion).toBeUndefined();
  });

  it('tells the author to rotate the credential and names its kind', () => {
    const finding = secretFinding(hit);
    expect(finding.body).toMatch(/rotate/i);
    expect(`${finding.title} ${finding.body}`).toContain('AWS access key');
  });

  it('has a generic wording for unknown kinds', () => {
    expect(secretFinding({ ...hit, kind: 'something-new' }).body).toContain('a secret');
  });

  it('contains no part of the secret', () => {
    const { hits } = scanAndRedact([makeFile('a.ts', [makeHunk(1, [`+const k = "${AWS_ACCESS}";`])])]);
    expect(JSON.stringify(secretFinding(hits[0]!))).not.toContain(AWS_ACCESS.slice(4));
  });
});

describe('scanning only the lines that may hold a secret', () => {
  /** Code that mentions tokens and keys without holding any, between lines that do. */
  const CODE = [
    'export function validateToken(token: Token, keys: string[]): boolean {',
    '  const passwordPolicy = loadPasswordPolicy(settings.credentials);',
    '  return keys.includes(token.key) && order.createdAt.toISOString().length > 0;',
    '  const message = `token ${token.id} expired`; // see docs/tokens.md',
    '',
    '\tconst sk = "sk-"; // a prefix, not a key',
    'const windowsLine = "crlf";\r',
  ];
  const SECRET_LINES = DETECTED.map(([, line]) => line);
  /** Secret lines in among the code: first, last, adjacent, and a line that is nothing but a secret. */
  const MIXED = [
    SECRET_LINES[0]!,
    ...CODE.flatMap((line, i) => [line, SECRET_LINES[(i * 3 + 1) % SECRET_LINES.length]!]),
    SECRET_LINES[5]!,
    SECRET_LINES[6]!,
    GITHUB('ghp'),
    ...CODE,
    SECRET_LINES.at(-1)!,
  ];

  it('redacts a whole text exactly as it redacts each of its lines', () => {
    // Redaction does happen here: the comparison below would also hold if it did nothing.
    expect(redactSecrets(MIXED.join('\n'))).not.toBe(MIXED.join('\n'));
    for (const lines of [MIXED, CODE, [...MIXED, ''], ['', ...MIXED], [CODE[0]!, SECRET_LINES[2]!]]) {
      expect(redactSecrets(lines.join('\n'))).toBe(lines.map((l) => redactSecrets(l)).join('\n'));
    }
  });

  it('returns a text without any secret as the same string', () => {
    const text = CODE.join('\n');
    expect(redactSecrets(text)).toBe(text);
  });

  it('redacts and reports the same in a hunk as line by line', () => {
    const spec = MIXED.map((line, i) => `${['+', ' ', '-'][i % 3]}${line}`);
    const [file] = scanAndRedact([makeFile('src/mixed.ts', [makeHunk(1, spec)])]).files;
    expect(file!.hunks[0]!.lines.map((l) => l.text)).toEqual(MIXED.map((l) => redactSecrets(l)));
    const { hits } = scanAndRedact([makeFile('src/mixed.ts', [makeHunk(1, spec)])]);
    const added = makeHunk(1, spec).lines.filter((l) => l.kind === 'add');
    const expected = added.flatMap((l) =>
      DETECTED.filter(([, line]) => line === l.text).map(([kind]) => ({
        path: 'src/mixed.ts',
        line: l.newLine!,
        kind,
      })),
    );
    expect(hits).toEqual(expect.arrayContaining(expected));
    expect(hits.every((h) => added.some((l) => l.newLine === h.line))).toBe(true);
  });

  // The cheap pre-checks skip lines with no hint or nothing secret-shaped: the shortest value each detector
  // accepts, with the fewest key-like characters around it, must still get through them.
  it.each([
    ['anthropic-key', join('sk-', 'ant-', randomToken(20, 31))],
    ['openai-key', join('sk-', randomToken(32, 37))],
    ['github-token', GITHUB('ghs')],
    ['github-token', join('github', '_pat_', randomToken(22, 41))],
    ['aws-access-key', AWS_ACCESS],
    ['slack-token', join('xo', 'xb-', randomToken(10, 43))],
  ])('redacts the shortest %s a detector accepts, alone on a quiet line', (kind, secret) => {
    const hunk = makeHunk(1, ['+const a = 1;', `+f(${secret})`, '+const b = 2;']);
    const { files, hits } = scanAndRedact([makeFile('src/min.ts', [hunk])]);
    expect(files[0]!.hunks[0]!.lines[1]!.text).not.toContain(secret);
    expect(hits).toEqual([{ path: 'src/min.ts', line: 2, kind }]);
  });

  it('redacts the shortest quoted and unquoted high-entropy assignments, symbols included', () => {
    const quoted = join('Xk9!mQ2@vL7#pR4', '$wT8%');
    const bare = randomToken(20, 47);
    const hunk = makeHunk(1, [`+const pwd = '${quoted}';`, `+API_KEY=${bare}`]);
    const { files, hits } = scanAndRedact([makeFile('src/env.ts', [hunk])]);
    const texts = files[0]!.hunks[0]!.lines.map((l) => l.text);
    expect(texts[0]).not.toContain(quoted);
    expect(texts[1]).not.toContain(bare);
    expect(hits.map((h) => h.kind)).toEqual(['high-entropy-secret', 'high-entropy-secret']);
  });

  it('still finds a key block in a hunk whose other lines mention no secret', () => {
    const file = makeFile('config/app.ts', [
      makeHunk(1, [
        '+const a = 1;',
        `+const pem = \`${PEM_BEGIN}`,
        `+${randomToken(64, 8)}`,
        `+${PEM_END}\`;`,
      ]),
    ]);
    const { files, hits } = scanAndRedact([file]);
    expect(hits).toEqual([{ path: 'config/app.ts', line: 2, kind: 'private-key' }]);
    expect(files[0]!.hunks[0]!.lines.map((l) => l.text)).toEqual([
      'const a = 1;',
      'const pem = `[REDACTED:private-key]',
      '[REDACTED:private-key]',
      '[REDACTED:private-key]`;',
    ]);
  });

  it('returns a hunk that needs nothing redacted as the same object', () => {
    const hunk = makeHunk(
      1,
      CODE.map((l) => `+${l}`),
    );
    const file = makeFile('src/code.ts', [hunk]);
    expect(scanAndRedact([file]).files[0]).toBe(file);
  });
});
