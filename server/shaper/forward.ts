/** Cluster workers pass shaper traffic to the one shaper in the primary, byte for byte. */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export function forward(req: http.IncomingMessage, res: http.ServerResponse, target: URL): void {
  const headers = { ...req.headers, 'x-dashlab-client': String(req.headers['x-dashlab-client'] ?? req.socket.remoteAddress ?? '') };
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
