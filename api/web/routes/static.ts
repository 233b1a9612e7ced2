import { Hono } from 'hono';
import { COPY_SCRIPT, copyScriptPath, FAVICON_SVG, STYLESHEET, stylesheetPath } from '../styles.js';
import type { WebEnv } from './page-kit.js';

/** Static assets: the stylesheet and the copy script (content-hashed names, cached a year), the favicon. */
export function staticPages() {
  return new Hono<WebEnv>().get('/static/:file', (c) => {
    const file = c.req.param('file');
    if (`/static/${file}` === stylesheetPath()) {
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
    }
    if (`/static/${file}` === copyScriptPath()) {
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(COPY_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    }
    if (file === 'favicon.svg') {
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml' });
    }
    return c.text('Not found', 404);
  });
}
