/**
 * The embeddable player: engine + ABR, what another site imports.
 *
 *   import { DashlabPlayer } from './dashlab-player.js';
 *   const player = new DashlabPlayer({ abr: 'bola' }).attach(videoElement);
 *   player.on('switch', (s) => console.log(s));
 *   await player.load('https://example.org/manifest.mpd');
 */
export { DashlabPlayer, type PlayerOptions, type PlayerStats, type SwitchRecord } from './engine/player.js';
// The VOD rules; a live rule loads as a chunk of its own when the player is given one (player.setAbr).
export { ABR_NAMES, DEFAULT_ABR, LIVE_ABR_NAMES, createVodAbr } from '../core/abr/vod-registry.js';
export { parseMpd, MpdError } from '../core/mpd/parse.js';
