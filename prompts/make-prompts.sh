#!/usr/bin/env bash
# Makes Anchor's shipped prompts and its music on hold, once, on a developer's machine; the results are committed so
# that a fresh machine runs Anchor without espeak-ng or sox. Needs: espeak-ng, sox (Debian packages of those names).
#   prompts/make-prompts.sh            # every prompt of prompts/en/prompts.tsv, and prompts/moh/default.wav
set -euo pipefail
cd "$(dirname "$0")"
command -v espeak-ng >/dev/null && command -v sox >/dev/null || { echo "needs espeak-ng and sox (apt-get install espeak-ng sox)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prompts: espeak-ng writes 22,050 Hz; sox makes 8 kHz 16-bit mono, trims leading silence and normalises to -3 dBFS.
# Prompts that exist are kept (FORCE=1 remakes them all), so adding a line to prompts.tsv adds one file.
while IFS=$'\t' read -r name text; do
  case "$name" in ''|'#'*) continue ;; esac
  [ -z "${FORCE:-}" ] && [ -f "en/$name.wav" ] && continue
  espeak-ng -v en-us -s 150 -w "$tmp/$name.wav" "$text"
  sox "$tmp/$name.wav" -r 8000 -c 1 -b 16 "en/$name.wav" silence 1 0.02 0.5% norm -3
done < en/prompts.tsv

# Music on hold: a synthesised, licence-free loop (plucked arpeggios over I-vi-IV-V in C, 0.25 s a note, 32 s).
notes=()
for chord in "C4 E4 G4 C5" "A3 C4 E4 A4" "F3 A3 C4 F4" "G3 B3 D4 G4"; do
  for rep in 1 2; do
    for n in $chord $(echo "$chord" | tr ' ' '\n' | tac | tr '\n' ' '); do notes+=("$n"); done
  done
done
i=0
[ -z "${FORCE:-}" ] && [ -f moh/default.wav ] && { echo "kept moh/default.wav"; notes=(); }
for n in ${notes[@]+"${notes[@]}"} ${notes[@]+"${notes[@]}"}; do
  sox -n -r 8000 -c 1 -b 16 "$tmp/note-$(printf %04d $i).wav" synth 0.25 pluck "$n" vol 0.4
  i=$((i + 1))
done
[ ${#notes[@]} -gt 0 ] && sox "$tmp"/note-*.wav -r 8000 -c 1 -b 16 moh/default.wav norm -6
echo "made $(ls en/*.wav | wc -l) prompts and moh/default.wav ($(soxi -D moh/default.wav) s)"
