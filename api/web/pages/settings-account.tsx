import type { Child } from 'hono/jsx';
import { CsrfField } from '../layout.js';
import { Section, TextField } from './settings-parts.js';

/** What the account holds about itself. */
export interface AccountDetailsView {
  name: string;
  company: string | null;
  contactEmail: string | null;
}

/** The account's details: a form for its admins (`csrf`), read-only for its members. */
export function AccountDetailsSection(props: {
  details: AccountDetailsView;
  csrf?: string | undefined;
  error?: Child;
}) {
  const { details, csrf } = props;
  if (csrf === undefined) {
    return (
      <Section id="account" title="Account details">
        <dl class="details">
          <dt>Account name</dt>
          <dd>{details.name}</dd>
          <dt>Company</dt>
          <dd>{details.company ?? '—'}</dd>
          <dt>Contact e-mail</dt>
          <dd>{details.contactEmail ?? '—'}</dd>
        </dl>
      </Section>
    );
  }
  return (
    <Section id="account" title="Account details">
      <p class="muted">
        Every change is recorded in the audit log by the names of the fields changed. Leave the company or the
        e-mail empty to remove it.
      </p>
      {props.error}
      <form method="post" action="/settings/account">
        <CsrfField token={csrf} />
        <TextField
          id="account-name"
          name="name"
          label="Account name"
          value={details.name}
          maxlength={100}
          required
        />
        <TextField
          id="account-company"
          name="company"
          label="Company"
          value={details.company}
          maxlength={100}
          autocomplete="organization"
        />
        <TextField
          id="account-email"
          name="contactEmail"
          label="Contact e-mail"
          type="email"
          value={details.contactEmail}
          maxlength={254}
          autocomplete="email"
        />
        <button type="submit" class="btn btn-primary">
          Save details
        </button>
      </form>
    </Section>
  );
}
