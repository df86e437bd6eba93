/** The table printed after a video is packaged. */
import type { PackageResult } from '../../server/packager/index.js';
import { fmtKbps } from './cli.js';

export function printSummary(result: PackageResult, out: NodeJS.WriteStream = process.stdout): void {
  const { info, timings } = result;
  const speed = info.durationS / timings.totalS;
  out.write(`packaged "${info.title}" as ${info.id}: ${info.durationS.toFixed(1)} s in ${timings.totalS.toFixed(1)} s (${speed.toFixed(2)}x real time)\n`);
  out.write(`  ${result.dir}\n`);
  out.write(`  ${'rendition'.padEnd(10)}${'size'.padEnd(11)}${'target'.padStart(8)}${'average'.padStart(9)}${'peak'.padStart(8)}${'SSIM'.padStart(8)}${'PSNR'.padStart(8)}  codecs\n`);
  const mean = (xs?: number[]) => (xs?.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  for (const r of [...info.renditions].reverse()) {
    const size = r.kind === 'video' ? `${r.width}x${r.height}` : `${r.channels}ch ${r.sampleRate}${r.lang && r.lang !== 'und' ? ` ${r.lang}` : ''}`;
    const ssim = mean(r.segmentSsim);
    const psnr = mean(r.segmentPsnr);
    out.write(
      `  ${r.id.padEnd(10)}${size.padEnd(11)}${fmtKbps(r.targetBandwidth).padStart(8)}${fmtKbps(r.averageBandwidth).padStart(9)}${fmtKbps(r.bandwidth).padStart(8)}${(ssim === undefined ? '' : ssim.toFixed(3)).padStart(8)}${(psnr === undefined ? '' : `${psnr.toFixed(1)}`).padStart(8)}  ${r.codecs}\n`,
    );
  }
  if (result.skippedRungs.length) out.write(`  skipped (larger than the source): ${result.skippedRungs.join(', ')}\n`);
  out.write(`  ${info.renditions[0].segmentBytes.length} segments of ${info.segmentDurationS} s; verified in ${timings.verifyS.toFixed(2)} s; quality measured in ${timings.qualityS.toFixed(2)} s\n`);
}

