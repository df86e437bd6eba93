#!/bin/sh
# ffmpeg tied to the process that started it (server/packager/die-with-parent.ts): setpriv sets the
# parent-death signal, then execs ffmpeg in this same process, so the pid fluent-ffmpeg
# watches and kills is ffmpeg's.
exec setpriv --pdeathsig KILL -- "$DASHLAB_FFMPEG_BIN" "$@"
