/**
 * Cluster workers pass shaper traffic to the one shaper in the primary, byte for byte, naming
 * the client (as this worker saw it, through trusted proxies) with the primary's secret: a
 * client's own x-dashlab-client header is replaced, never believed.
 */
import http from 'node:http';
import { FORWARD_HEADERS } from './shaper.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL, who: { client: string; secret: string }): void {
  const headers = { ...req.headers, [FORWARD_HEADERS.client]: who.client, [FORWARD_HEADERS.secret]: who.secret };
  const inner = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
    res.on('close', () => up.destroy());
  });
  inner.on('error', (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: `the shaper did not answer: ${err.message}` }));
    } else res.destroy();
  });
  req.pipe(inner);
}
