import { Hono } from 'hono';
import { getAccountDetails, listConfigs, listKeys, listMembers, listRepositories } from '../../db/index.js';
import { reviewsEnabled } from '../../hosted-config.js';
import {
  SETTINGS_NOTICES,
  SettingsPage,
  type SettingsFormError,
  type SettingsNotice,
} from '../pages/settings.js';
import { pickNotice, type PageKit, type WebContext, type WebEnv } from './page-kit.js';

/** What the settings page shows besides the account's keys, members and repositories. */
interface SettingsExtra {
  notice?: SettingsNotice | undefined;
  createdKey?: { name: string; plaintext: string };
  formError?: SettingsFormError;
}

/** The settings page of the visitor's account (`SettingsPage`), with `extra`. */
export async function renderSettings(
  kit: PageKit,
  c: WebContext,
  extra: SettingsExtra = {},
  status: 200 | 422 = 200,
) {
  const { db } = kit.deps;
  const page = await kit.signedIn(c);
  const { accountId } = page.session;
  const configs = await listConfigs(db, accountId);
  const accountYaml = configs.find((x) => x.repository === null)?.yaml;
  const repositoryYaml = new Map(
    configs.flatMap((x) => (x.repository === null ? [] : [[x.repository.toLowerCase(), x.yaml] as const])),
  );
  const details = await getAccountDetails(db, accountId);
  if (!details) return kit.notFoundPage(c);
  return page.render(
    <SettingsPage
      viewer={page.viewer}
      now={page.now}
      details={details}
      keys={await listKeys(db, accountId)}
      members={(await listMembers(db, accountId)).map((m) => ({
        userId: m.userId,
        login: m.login,
        role: m.role,
        displayName: m.displayName,
        email: m.email,
        joined: m.acceptedAt !== null,
      }))}
      repositories={(await listRepositories(db, accountId)).map((r) => {
        const yaml = repositoryYaml.get(r.fullName.toLowerCase());
        return {
          fullName: r.fullName,
          hasConfig: yaml !== undefined,
          enabled: reviewsEnabled(accountYaml, yaml),
        };
      })}
      hasAccountConfig={accountYaml !== undefined}
      accountEnabled={reviewsEnabled(accountYaml, undefined)}
      {...extra}
    />,
    status,
  );
}

/** The settings page again, with `message` above the form of `section` that was refused. */
export function refuseSettingsForm(
  kit: PageKit,
  c: WebContext,
  section: SettingsFormError['section'],
  message: string,
) {
  return renderSettings(kit, c, { formError: { section, message } }, 422);
}

/** The settings page (an admin's), with a flash notice picked by its code. */
export function settingsPages(kit: PageKit) {
  return new Hono<WebEnv>().get('/settings', (c) =>
    renderSettings(kit, c, { notice: pickNotice<SettingsNotice>(c.req.query('notice'), SETTINGS_NOTICES) }),
  );
}
