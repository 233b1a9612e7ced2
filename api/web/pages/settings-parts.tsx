import type { Child } from 'hono/jsx';
import { CsrfField } from '../layout.js';

/** The building blocks of the settings pages: cards, row buttons, and the forms that delete or change data. */

/** A card of the settings page; the section menu links to its `id`, its heading names it. */
export function Section(props: { id: string; title: string; children: Child }) {
  return (
    <section class="card" id={props.id} aria-labelledby={`${props.id}-head`}>
      <h2 id={`${props.id}-head`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** The last header cell of a table whose rows end in buttons: named for screen readers only. */
export function ActionsHeader() {
  return (
    <th scope="col">
      <span class="visually-hidden">Actions</span>
    </th>
  );
}

/**
 * A row's one-button form (revoke, remove, accept, enable); `label` names the row for screen readers,
 * `fields` are sent with it.
 */
export function RowButton(props: {
  action: string;
  csrf: string;
  label: string;
  text: string;
  kind?: 'danger' | 'primary' | 'plain';
  fields?: Record<string, string>;
}) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrf} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button
        type="submit"
        class={props.kind === 'plain' ? 'btn btn-small' : `btn btn-${props.kind ?? 'danger'} btn-small`}
        aria-label={props.label}
      >
        {props.text}
      </button>
    </form>
  );
}

/** A settings form's submit button beside the way back to the config section. */
export function SubmitOrCancel(props: { kind: 'primary' | 'danger'; text: string }) {
  return (
    <div class="actions">
      <button type="submit" class={`btn btn-${props.kind}`}>
        {props.text}
      </button>
      <a class="btn" href="/settings#config">
        Cancel
      </a>
    </div>
  );
}

/** The name a visitor must type before a form deletes anything; `children` is the label. */
export function ConfirmField(props: { id: string; children: Child }) {
  return (
    <div class="field">
      <label for={props.id}>{props.children}</label>
      <input id={props.id} name="confirm" type="text" required autocomplete="off" spellcheck={false} />
    </div>
  );
}

/** A one-line text field of a form, labelled. */
export function TextField(props: {
  id: string;
  label: string;
  name?: string;
  value: string | null;
  type?: 'text' | 'email';
  maxlength?: number;
  autocomplete?: string;
  required?: boolean;
  readonly?: boolean;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        maxlength={props.maxlength}
        autocomplete={props.autocomplete}
        required={props.required}
        readonly={props.readonly}
      />
    </div>
  );
}
