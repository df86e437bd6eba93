/**
 * The generated blocks of docs/results.md: each lies between a start and an end marker, and
 * `npm run results` replaces what is between them, leaving every other line as it was.
 */
export const RESULT_BLOCKS = ['held-out', 'live', 'browser-live', 'ssim', 'norway', 'ceiling', 'browser'] as const;
export type ResultBlock = (typeof RESULT_BLOCKS)[number];

export const startMarker = (name: ResultBlock) => `<!-- results:${name}:start (npm run results writes what follows; do not edit by hand) -->`;
export const endMarker = (name: ResultBlock) => `<!-- results:${name}:end -->`;

/** The block as it stands in `doc`, markers included. */
export function blockOf(doc: string, name: ResultBlock): string {
  const from = doc.indexOf(`<!-- results:${name}:start`);
  const to = doc.indexOf(endMarker(name));
  if (from < 0 || to < from) throw new Error(`no results:${name} markers to write between`);
  return doc.slice(from, to + endMarker(name).length);
}

/** `doc` with the block `name` replaced by `lines`, wrapped in its markers. */
export function replaceBlock(doc: string, name: ResultBlock, lines: string[]): string {
  return doc.replace(blockOf(doc, name), () => [startMarker(name), '', ...lines, '', endMarker(name)].join('\n'));
}
