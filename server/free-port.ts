/** A free loopback port, for a server whose port nobody chooses (an edge's nginx behind its front, a benchmark's reference). */
import net from 'node:net';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** `preferred` when nothing listens on it (TCP, loopback), else a free port. */
export const portOr = (preferred: number) =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(preferred, '127.0.0.1', () => s.close(() => resolve(preferred)));
    s.on('error', () => void freePort().then(resolve, () => resolve(preferred)));
  });
