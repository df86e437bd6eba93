/**
 * An error meant for a person: a one-line message, no stack trace needed.
 * `code` lets callers (HTTP routes) pick a status without parsing text.
 */
export type PackagingErrorCode =
  | 'input' // the file is missing, empty, not media, truncated, too short, no video
  | 'tools' // ffmpeg/ffprobe missing or lacking a feature
  | 'encode' // ffmpeg failed while encoding
  | 'verify' // the package did not pass verification
  | 'learn' // learning the learned ABR's policy failed
  | 'usage' // bad options (ladder spec, id, segment length)
  | 'conflict' // the published video changed while this work, derived from it, ran
  | 'disk-full' // the disk holding MEDIA_DIR filled up while the work wrote to it
  | 'interrupted' // a tool was stopped by a signal (the server stopping with its process group): not the file's fault
  | 'cancelled';

export class PackagingError extends Error {
  constructor(
    readonly code: PackagingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PackagingError';
  }
}
