/**
 * The embeddable player: engine + ABR, what another site imports.
 *
 *   import { DashlabPlayer } from './dashlab-player.js';
 *   const player = new DashlabPlayer({ abr: 'bola' }).attach(videoElement);
 *   player.on('switch', (s) => console.log(s));
 *   await player.load('https://example.org/manifest.mpd');
 */
export { DashlabPlayer, type PlayerOptions, type PlayerStats, type SwitchRecord } from './engine/player.js';
// Every rule's name; the player loads the ones it does not carry as a chunk when given one (player.setAbr).
export { ABR_NAMES, DEFAULT_ABR, LIVE_ABR_NAMES } from '../core/abr/player-rules.js';
export { parseMpd, MpdError } from '../core/mpd/parse.js';
