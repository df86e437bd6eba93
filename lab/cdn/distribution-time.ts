/**
 * The lectures' distribution-time arithmetic: the least time to get a file of F bits to N
 * viewers, from a server with upload u_s, viewers with download d_min at the slowest and
 * upload u_i each (Kurose and Ross, chapter 2):
 *   client-server  D = max(N F / u_s, F / d_min)
 *   peer-to-peer   D = max(F / u_s, F / d_min, N F / (u_s + sum u_i))
 * and through E edges of upload u_e each, which the origin fills once each:
 *   edges          D = max(E F / u_s, F / d_min, N F / (E u_e))
 * Rates in bit/s, F in bits, times in seconds. Pure.
 */

export interface DistributionInputs {
  /** The file (a video), bits. */
  fileBits: number;
  /** The origin's upload, bit/s. */
  originBps: number;
  /** The slowest viewer's download, bit/s. */
  minDownloadBps: number;
  /** Each viewer's upload (for peer-to-peer), bit/s. */
  peerUploadBps: number;
  edges: number;
  /** Each edge's upload, bit/s. */
  edgeBps: number;
}

export function clientServerS(n: number, i: DistributionInputs): number {
  return Math.max((n * i.fileBits) / i.originBps, i.fileBits / i.minDownloadBps);
}

export function peerToPeerS(n: number, i: DistributionInputs): number {
  return Math.max(i.fileBits / i.originBps, i.fileBits / i.minDownloadBps, (n * i.fileBits) / (i.originBps + n * i.peerUploadBps));
}

export function throughEdgesS(n: number, i: DistributionInputs): number {
  return Math.max((i.edges * i.fileBits) / i.originBps, i.fileBits / i.minDownloadBps, (n * i.fileBits) / (i.edges * i.edgeBps));
}

/**
 * The rate each of N viewers can be sent at, all at once: what streaming needs to stay at or
 * above the video's bitrate (a file can wait; a playback cannot). Client-server: u_s / N;
 * peer-to-peer: (u_s + N u_i) / N, which tends to u_i, a home's upload, as N grows; edges:
 * E u_e / N. Each at most d_min.
 */
export function perViewerBps(n: number, i: DistributionInputs): { clientServer: number; peerToPeer: number; edges: number } {
  const cap = (x: number) => Math.min(x, i.minDownloadBps);
  return { clientServer: cap(i.originBps / n), peerToPeer: cap((i.originBps + n * i.peerUploadBps) / n), edges: cap((i.edges * i.edgeBps) / n) };
}
