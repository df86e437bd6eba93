/** ABR defaults: plain data, in one place. */
export const ABR_DEFAULTS = {
  /** Throughput rule: use this fraction of the estimate (dash.js uses 0.9). */
  safetyFactor: 0.9,
  /** Before any download: start at the highest bitrate under this (bits/s). */
  startBps: 1_000_000,
  /** BBA (Huang et al. 2014, as Pensieve's bb.py): lowest below the reservoir, linear over the cushion. */
  bbaReservoirS: 5,
  bbaCushionS: 10,
  /** BOLA (as dash.js): no artificial delay below this buffer. */
  bolaMinimumBufferS: 10,
  bolaMinimumBufferPerLevelS: 2,
  bolaRebufferSafety: 0.5,
  bolaThroughputSamples: 3,
  /** MPC (Yin et al. 2015): horizon, predictor window, QoE weights (Pensieve's QoE_lin). */
  mpcHorizon: 5,
  mpcWindow: 5,
  rebufferPenalty: 4.3,
  smoothPenalty: 1,
  /** dash.js DYNAMIC: BOLA above stableBufferTime, throughput below half of it. */
  dynamicStableBufferS: 12,
} as const;
