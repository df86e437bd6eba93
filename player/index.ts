/**
 * The embeddable player: engine + ABR, what another site imports.
 *
 *   import { DashlabPlayer } from './dashlab-player.js';
 *   const player = new DashlabPlayer({ abr: 'bola' }).attach(videoElement);
 *   player.on('switch', (s) => console.log(s));
 *   await player.load('https://example.org/manifest.mpd');
 */
export { DashlabPlayer, type PlayerOptions, type PlayerStats, type SwitchRecord } from './engine/player.js';
export { ABR_NAMES, DEFAULT_ABR, createAbr } from '../core/abr/index.js';
export { parseMpd, MpdError } from '../core/mpd/parse.js';
