import { Hono } from 'hono';
import { FAVICON_SVG, STYLESHEET, stylesheetPath } from '../styles.js';
import type { WebEnv } from './page-kit.js';

/** Static assets: the stylesheet (content-hashed name, cached a year) and the favicon. */
export function staticPages() {
  return new Hono<WebEnv>().get('/static/:file', (c) => {
    const file = c.req.param('file');
    if (`/static/${file}` === stylesheetPath()) {
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
    }
    if (file === 'favicon.svg') {
      c.header('Cache-Control', 'public, max-age=86400');
      return c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml' });
    }
    return c.text('Not found', 404);
  });
}
