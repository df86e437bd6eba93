/**
 * CMSD (CTA-5006) as a player reads it: of a `CMSD-Dynamic` header (a list of servers, each
 * with its parameters; the last is the one nearest the player), the estimated throughput
 * `etp` and the maximum suggested bitrate `mb`, both kbit/s. Pure.
 */
export interface CmsdHint {
  etpKbps?: number;
  mbKbps?: number;
  /** The server that said it. */
  server?: string;
}

export function parseCmsdDynamic(header: string | null | undefined): CmsdHint | undefined {
  if (!header) return undefined;
  const items = header.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const last = items[items.length - 1].trim();
  if (!last) return undefined;
  const [server, ...params] = last.split(';').map((x) => x.trim());
  const hint: CmsdHint = { server: server.replace(/^"|"$/g, '') || undefined };
  for (const p of params) {
    const [k, v] = p.split('=');
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) continue;
    if (k === 'etp') hint.etpKbps = n;
    if (k === 'mb') hint.mbKbps = n;
  }
  return hint.etpKbps === undefined && hint.mbKbps === undefined ? undefined : hint;
}
