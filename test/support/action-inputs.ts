import type { InputName } from '../../action/inputs.js';

/**
 * Every input as the runner hands it to the action when a workflow sets only the two keys: action.yml's
 * defaults filled in, the other optional inputs empty. Tests override the inputs they are about.
 */
export const RUNNER_INPUTS: Record<InputName, string> = {
  'anthropic-api-key': 'sk-ant-test-key-000000000000',
  'github-token': 'ghs_testtoken000000000000000000000000',
  'api-key': '',
  'api-url': '',
  model: 'claude-sonnet-4-5',
  'fail-on': 'high',
  'max-comments': '20',
  'config-file': '.diffray.yml',
  exclude: '',
  'sarif-file': '',
};
