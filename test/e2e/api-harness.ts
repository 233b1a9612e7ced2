/**
 * The real results API for end-to-end runs of the action: `createApp` + `openDatabase` on a temp SQLite
 * file + `@hono/node-server` on 127.0.0.1:0, in the test process, with the request log captured through
 * the injected log sink. An account is created through the db module with an admin key and an action key
 * (`reviews:write` + `config:read`, what `diffray-api keys create` gives by default).
 *
 * The server can be switched to answer 503 to everything (or to one route) to play an outage, and stopped
 * while the database stays readable, so the canary test can read the files the API wrote.

 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../../api/app.js';
import type { SqliteDb } from '../../api/db/index.js';
import type { LogRecord } from '../../api/types.js';
import { openTestDatabase, seedAccount, seedKey, testConfig } from '../api/helpers.js';

/** What the API answers: normally, 503 to everything, or 503 to matching requests only. */
export type ApiMode = 'ok' | 'unavailable' | { unavailable: (method: string, path: string) => boolean };

export interface ApiRequestSeen {
  method: string;
  path: string;
  /** Raw Authorization header and URL, to check where the key travelled. */
  authorization: string | null;
  url: string;
  /** The request body as received (empty for GET). */
  body: string;
}

export interface RunningApi {
  url: string;
  dir: string;
  dbPath: string;
  db: SqliteDb;
  accountId: string;
  /** Holds every scope (admin): for setting the hosted config and reading reviews back. */
  adminKey: string;
  /** `reviews:write` + `config:read`: what the action is given. */
  actionKey: string;
  /** The API's own request log (the injected sink), one record per request. */
  logs: LogRecord[];
  /** Every request as it arrived, before the app. */
  requests: ApiRequestSeen[];
  mode: ApiMode;
  /** Called as each request arrives, before the app sees it (to observe the world at that moment). */
  onRequest?: (request: ApiRequestSeen) => void;
  /** Stores the account default config (no repository) or a repository's, through PUT /v1/config. */
  putConfig(yaml: string, repository?: string): Promise<void>;
  /** GET with a key (the admin key by default); `json` undefined when the body is not JSON. */
  get(path: string, key?: string): Promise<{ status: number; json: unknown }>;
  /** The bytes of every file in the API's data directory (database, -wal, -shm), by file name. */
  storageFiles(): Map<string, Buffer>;
  /** Closes the HTTP server (the port then refuses connections); the database stays open. */
  stop(): Promise<void>;
  /** Stops the server and closes the database (SQLite checkpoints the WAL into the main file). */
  closeDb(): Promise<void>;
  /** Closes everything and deletes the data directory. */
  cleanup(): Promise<void>;
}

export async function startApi(opts: { mode?: ApiMode } = {}): Promise<RunningApi> {
  const dir = mkdtempSync(join(tmpdir(), 'diffray-e2e-api-'));
  const dbPath = join(dir, 'diffray.db');
  const db = openTestDatabase(dbPath);
  const now = new Date();
  const admin = await seedAccount(db, { name: 'Acme', now });
  const action = await seedKey(db, admin.accountId, ['reviews:write', 'config:read'], { now });
  const logs: LogRecord[] = [];
  const requests: ApiRequestSeen[] = [];

  // The app is built once the port is known, so review URLs point at this very server.
  const built: { app?: ReturnType<typeof createApp> } = {};
  const api: RunningApi = {
    url: '',
    dir,
    dbPath,
    db,
    accountId: admin.accountId,
    adminKey: admin.key,
    actionKey: action.key,
    logs,
    requests,
    mode: opts.mode ?? 'ok',
    async putConfig(yaml, repository) {
      const res = await fetch(`${api.url}/v1/config`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(repository === undefined ? { yaml } : { yaml, repository }),
      });
      if (res.status !== 200) throw new Error(`PUT /v1/config answered ${res.status}: ${await res.text()}`);
    },
    async get(path, key = admin.key) {
      const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json };
    },
    storageFiles() {
      return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
    },
    stop: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async closeDb() {
      await api.stop();
      if (db.sqlite.open) await db.close();
    },
    async cleanup() {
      await api.closeDb();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const server = await new Promise<Server>((resolve) => {
    const s = serve(
      {
        fetch: async (request: Request) => {
          const url = new URL(request.url);
          const seen: ApiRequestSeen = {
            method: request.method,
            path: url.pathname,
            authorization: request.headers.get('authorization'),
            url: request.url,
            body: await request.clone().text(),
          };
          requests.push(seen);
          api.onRequest?.(seen);
          const mode = api.mode;
          const down =
            mode === 'unavailable' ||
            (typeof mode === 'object' && mode.unavailable(request.method, url.pathname));
          if (down || !built.app) {
            return new Response(JSON.stringify({ error: { code: 'unavailable' } }), {
              status: 503,
              headers: { 'content-type': 'application/json' },
            });
          }
          return built.app.fetch(request);
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(s as Server),
    );
  });
  // As on a real deployment, the client gives up an idle connection first (undici: 4 s): a server closing
  // it at the same moment (Node's default, 5 s) races the action's next request into an ECONNRESET when
  // this machine is loaded and timers run late.
  server.keepAliveTimeout = 60_000;
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  built.app = createApp({
    db,
    clock: () => new Date(),
    config: testConfig({ publicUrl: api.url }),
    log: (record) => logs.push(record),
  });
  return api;
}

/** Every occurrence check over the API's storage files reads them as bytes (latin1 keeps bytes 1:1). */
export function filesContaining(files: Map<string, Buffer>, needle: string): string[] {
  return [...files].filter(([, bytes]) => bytes.toString('latin1').includes(needle)).map(([name]) => name);
}
