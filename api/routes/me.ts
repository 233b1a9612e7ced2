import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Auth } from '../auth/authenticate.js';
import { accountsOf, correctPerson, getPerson } from '../db/index.js';
import { ApiError, notFound } from '../errors.js';
import { PersonPatchSchema, PersonSchema } from '../schemas.js';
import type { AppDeps, AppEnv } from '../types.js';
import { toPersonJson } from './mappers.js';
import { AUTH_ERRORS, SECURITY, UNPROCESSABLE, err, json, newRouter } from './router.js';

/** Only a person has details here; the scope rule of `AUTH_ERRORS` does not apply. */
const PERSON_ERRORS = { ...AUTH_ERRORS, 403: err('A key, or a key sign-in of the page: no person') };

const meRoute = createRoute({
  method: 'get',
  path: '/v1/me',
  summary: 'What the accounts hold about you (a page session signed in with GitHub)',
  security: SECURITY,
  responses: { 200: json(PersonSchema, 'You, and your accounts and invitations'), ...PERSON_ERRORS },
});

const correctRoute = createRoute({
  method: 'patch',
  path: '/v1/me',
  summary:
    'Correct your name or e-mail (`null` clears one); audited, by field name, in every account you joined',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: PersonPatchSchema } } } },
  responses: { 200: json(PersonSchema, 'You, corrected'), ...PERSON_ERRORS, ...UNPROCESSABLE },
});

/** The person behind the request: a GitHub sign-in. A key has no person to show or correct. */
function personOf(c: Context<AppEnv>): string {
  const { userId } = c.get('principal');
  if (userId === undefined)
    throw new ApiError(
      403,
      'person_required',
      'Only a person signed in with GitHub has details to show here',
    );
  return userId;
}

export function meRouter(deps: AppDeps, auth: Auth) {
  const { db, clock } = deps;
  const app = newRouter();
  app.use('/v1/me', auth.requireAuth);
  return app
    .openapi(meRoute, async (c) => {
      const userId = personOf(c);
      const person = await getPerson(db, userId);
      if (!person) throw notFound();
      return c.json(toPersonJson(person, await accountsOf(db, userId)), 200);
    })
    .openapi(correctRoute, async (c) => {
      const userId = personOf(c);
      const person = await correctPerson(db, userId, c.req.valid('json'), {
        actor: c.get('principal').actor,
        clientAddress: c.get('clientAddress'),
        at: clock(),
      });
      if (!person) throw notFound();
      return c.json(toPersonJson(person, await accountsOf(db, userId)), 200);
    });
}
