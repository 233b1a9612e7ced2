import { describe, expect, it } from 'vitest';
import { INPUT_NAMES, validateInputs, type InputName } from '../../../action/inputs.js';

function raw(overrides: Partial<Record<InputName, string>> = {}): Record<InputName, string> {
  const empty = Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])) as Record<InputName, string>;
  return { ...empty, 'anthropic-api-key': 'sk-ant-x', 'github-token': 'ghs_x', ...overrides };
}

describe('validateInputs', () => {
  it('applies the action.yml defaults to empty inputs', () => {
    expect(validateInputs(raw())).toMatchObject({
      model: 'claude-sonnet-4-5',
      failOn: 'high',
      maxComments: 20,
      configFile: '.diffray.yml',
      exclude: [],
    });
  });

  it('leaves optional inputs undefined when empty, including a missing Anthropic key (fork PRs)', () => {
    const inputs = validateInputs(raw({ 'anthropic-api-key': '' }));
    expect(inputs.anthropicApiKey).toBeUndefined();
    expect(inputs.apiKey).toBeUndefined();
    expect(inputs.sarifFile).toBeUndefined();
  });

  it('names the input and the expected form for a bad fail-on', () => {
    expect(() => validateInputs(raw({ 'fail-on': 'hihg' }))).toThrow(
      'fail-on must be one of none, low, medium, high, critical; got "hihg"',
    );
  });

  it.each(['-1', '1.5', 'ten', '101'])('rejects max-comments %s', (value) => {
    expect(() => validateInputs(raw({ 'max-comments': value }))).toThrow(
      /max-comments must be a whole number from 0 to 100/,
    );
  });

  it('splits exclude into globs, dropping blank lines and comments', () => {
    expect(validateInputs(raw({ exclude: 'docs/**\n\n  # generated\n*.snap\r\n' })).exclude).toEqual([
      'docs/**',
      '*.snap',
    ]);
  });

  it('requires api-url when api-key is set', () => {
    expect(() => validateInputs(raw({ 'api-key': 'dfr_x' }))).toThrow(
      /api-url is required when api-key is set/,
    );
  });

  it.each([
    'https://api.diffray.dev',
    'http://localhost:8787',
    'http://127.0.0.1:3000/base',
    'http://[::1]:3000',
  ])('accepts api-url %s', (url) => {
    expect(validateInputs(raw({ 'api-key': 'dfr_x', 'api-url': url })).apiUrl).toBe(url);
  });

  it.each(['http://api.diffray.dev', 'ftp://localhost', 'not a url', 'https://user:pw@api.diffray.dev'])(
    'rejects api-url %s',
    (url) => {
      expect(() => validateInputs(raw({ 'api-key': 'dfr_x', 'api-url': url }))).toThrow(
        /^Invalid input: api-url /,
      );
    },
  );

  it('rejects a config-file that leaves the repository', () => {
    expect(() => validateInputs(raw({ 'config-file': '../secrets.yml' }))).toThrow(
      /config-file must be a repository-relative path/,
    );
    expect(() => validateInputs(raw({ 'config-file': '/etc/passwd' }))).toThrow(/config-file/);
  });

  it('reports every bad input at once and never echoes a credential', () => {
    const error = (() => {
      try {
        validateInputs(
          raw({
            'fail-on': 'x',
            'max-comments': 'y',
            'api-key': 'dfr_secretvalue',
            'api-url': 'http://example.com',
          }),
        );
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(error).toContain('fail-on');
    expect(error).toContain('max-comments');
    expect(error).toContain('api-url');
    expect(error).not.toContain('dfr_secretvalue');
  });
});
