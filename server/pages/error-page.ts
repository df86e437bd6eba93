/**
 * Errors of the pages (/watch, /reports/view, unknown paths): a browser gets a page that says
 * what went wrong and where to go from here; curl and scripts (no text/html in Accept) get
 * the message as plain text, as before.
 */
import { PAGE_HEAD, esc } from '../../core/html.js';
import type { Request, Response } from 'express';


/** `refreshS`: the page asks the browser to load it again after that many seconds (a video being packaged). */
export function errorPage(status: number, message: string, opts: { refreshS?: number } = {}): string {
  return `<!doctype html>
${PAGE_HEAD}${opts.refreshS ? `<meta http-equiv="refresh" content="${opts.refreshS}">` : ''}
<title>${status} · dashlab</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
header{padding:18px 28px;border-bottom:1px solid var(--line)} header h1{margin:0;font-size:20px} a{color:var(--link);text-decoration:none}
main{padding:24px 28px;max-width:900px} .error{color:var(--err);background:var(--err-bg);border:1px solid var(--err-line);border-radius:8px;padding:12px 16px;white-space:pre-wrap}
nav{display:flex;gap:18px;margin-top:18px}
</style></head><body>
<header><h1><a href="/">dashlab</a></h1></header>
<main><p class="error" id="error">${esc(message)}</p>
<nav><a href="/">The library</a><a href="/compare">Side by side</a><a href="/reports">ABR lab</a></nav></main>
</body></html>`;
}

/** Answer a page request that cannot be served: HTML for browsers, text for everything else. */
export function sendPageError(req: Request, res: Response, status: number, message: string, opts: { refreshS?: number } = {}): void {
  if (opts.refreshS) res.set('Retry-After', String(opts.refreshS));
  if (req.accepts(['text/plain', 'text/html']) === 'text/html') res.status(status).type('html').send(errorPage(status, message, opts));
  else res.status(status).type('text').send(`${message}\n`);
}
