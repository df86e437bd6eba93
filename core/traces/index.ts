/** Network traces: their formats (formats.ts) and the rate curve they describe (curve.ts). */
export * from './formats.js';
export * from './curve.js';
