#!/usr/bin/env bash
# Input stamps of the recipe steps (sourced by pipeline.sh; tested by Tests/scripts/pipeline_stamps.sh).
#
# A step lists its inputs in a manifest, one line each, "kind<TAB>name<TAB>value", sorted:
#   file   <label>  <sha256 of the file's content>   stamp_file LABEL PATH
#   value  <name>   <the value, printf %q>           stamp_var NAME... / stamp_value NAME VALUE
#   text   <label>  <sha256 of a text>               stamp_text LABEL TEXT (e.g. a function's code)
# When the step has succeeded, its stamp file (e.g. bpe/.done) gets the sha256 of the manifest and
# the manifest itself is kept beside it (bpe/.done.inputs), so that a later run can tell which
# inputs changed. An empty stamp (written by the pipeline before stamps had content) is accepted
# once as "done, inputs unknown", with a warning, and rewritten with the current inputs.
#
#   stamp_inputs FUNCTION [ARGS...]   run FUNCTION (which calls stamp_file/stamp_var/...) → STAMP_MANIFEST
#   stamp_compare [--legacy PATH] STAMP
#                                     compare STAMP with STAMP_MANIFEST → STAMP_STATE: done (same
#                                     inputs), legacy (empty STAMP, or no STAMP but PATH exists),
#                                     new (no stamp) or changed (STAMP_WHY: "inputs changed (a, b)")
#   stamp_check [--legacy PATH] STAMP FUNCTION [ARGS...]   both of the above
#   stamp_write STAMP                 record STAMP_MANIFEST as done (STAMP.inputs, then STAMP)
#   stamp_skip STEP STAMP FUNCTION [ARGS...]
#                                     for a cheap step: true (and says why) when it is done with these
#                                     inputs; false when it must run (says so when inputs changed)
#   stamp_move_aside DIR              mv DIR DIR.old-<n> (first free n); prints the new path
#
# Content hashes of files of STAMP_CACHE_MIN_BYTES (1 MiB) or more are cached in $STAMP_CACHE
# (when set; pipeline.sh: $WORK/.stamp-hashes), keyed by device, inode, size, mtime and ctime in
# nanoseconds, so a rerun does not read large corpora and checkpoints again.

stamp_say() { if declare -F say > /dev/null; then say "$@"; else echo "$*" >&2; fi; }
stamp_die() { stamp_say "error: $*"; exit 1; }

# stamp_hash_file PATH: the sha256 of PATH's content (cached for large files).
stamp_hash_file() {
  local f=$1 size key abs h
  size=$(stat -L -c %s -- "$f") || return 1
  if [ -n "${STAMP_CACHE:-}" ] && [ "$size" -ge "${STAMP_CACHE_MIN_BYTES:-1048576}" ]; then
    abs=$(readlink -f -- "$f")
    key=$(stat -L -c '%d:%i:%s:%.9Y:%.9Z' -- "$f") || return 1
    if [ -f "$STAMP_CACHE" ]; then
      h=$(awk -F'\t' -v p="$abs" -v k="$key" '$1 == p && $2 == k { h = $3 } END { print h }' "$STAMP_CACHE")
      if [ -n "$h" ]; then echo "$h"; return; fi
    fi
    h=$(sha256sum < "$f" | cut -c1-64) || return 1
    printf '%s\t%s\t%s\n' "$abs" "$key" "$h" >> "$STAMP_CACHE"
    echo "$h"
  else
    sha256sum < "$f" | cut -c1-64
  fi
}

# stamp_file LABEL PATH: the content of an input file (exits when it is missing).
stamp_file() {
  [ -f "$2" ] || stamp_die "input file $2 ($1) missing"
  local h; h=$(stamp_hash_file "$2") || stamp_die "could not hash $2"
  STAMP_MANIFEST+=$(printf 'file\t%s\t%s' "$1" "$h")$'\n'
}

# stamp_value NAME VALUE: a setting; stamp_var NAME...: the current values of shell variables.
stamp_value() { STAMP_MANIFEST+=$(printf 'value\t%s\t%q' "$1" "$2")$'\n'; }
stamp_var() { local v; for v in "$@"; do stamp_value "$v" "${!v-}"; done; }

# stamp_text LABEL TEXT: a text given by its hash (a function's code: "$(declare -f f)").
stamp_text() {
  STAMP_MANIFEST+=$(printf 'text\t%s\t%s' "$1" "$(printf '%s' "$2" | sha256sum | cut -c1-64)")$'\n'
}

stamp_inputs() {
  STAMP_MANIFEST=""
  "$@"
  STAMP_MANIFEST=$(printf '%s' "$STAMP_MANIFEST" | LC_ALL=C sort)$'\n'
}

stamp_hash() { printf '%s' "$STAMP_MANIFEST" | sha256sum | cut -c1-64; }

stamp_compare() {
  local legacy=""
  if [ "${1:-}" = --legacy ]; then legacy=$2; shift 2; fi
  local stamp=$1
  STAMP_WHY=""
  if [ ! -e "$stamp" ]; then
    if [ -n "$legacy" ] && [ -e "$legacy" ]; then STAMP_STATE=legacy; else STAMP_STATE=new; fi
    return 0
  fi
  if [ ! -s "$stamp" ]; then STAMP_STATE=legacy; return 0; fi
  if [ "$(head -n 1 "$stamp")" = "$(stamp_hash)" ]; then STAMP_STATE="done"; return 0; fi
  STAMP_STATE=changed
  local changed=""
  if [ -f "$stamp.inputs" ]; then
    # Names whose line differs (changed, added or removed), in manifest order.
    changed=$(printf '%s' "$STAMP_MANIFEST" | LC_ALL=C comm -3 - <(LC_ALL=C sort "$stamp.inputs") \
              | sed 's/^\t//' | cut -f2 | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g')
  fi
  STAMP_WHY="inputs changed (${changed:-unknown: no record of the old inputs})"
}

stamp_check() {
  local legacy=()
  if [ "${1:-}" = --legacy ]; then legacy=(--legacy "$2"); shift 2; fi
  local stamp=$1; shift
  stamp_inputs "$@"
  stamp_compare "${legacy[@]}" "$stamp"
}

stamp_write() {
  local stamp=$1
  mkdir -p "$(dirname "$stamp")"
  printf '%s' "$STAMP_MANIFEST" > "$stamp.inputs.tmp" && mv -f "$stamp.inputs.tmp" "$stamp.inputs"
  stamp_hash > "$stamp.tmp" && mv -f "$stamp.tmp" "$stamp"
}

# stamp_legacy STEP STAMP: accept an old-style stamp once, with a warning; rewrite it.
stamp_legacy() {
  stamp_say "$1: warning: done by an earlier version of the pipeline (no input stamp, inputs unknown): accepted as done; stamp rewritten with the current inputs"
  stamp_write "$2"
}

stamp_skip() {
  local step=$1 stamp=$2; shift 2
  stamp_check "$stamp" "$@"
  case "$STAMP_STATE" in
    done) stamp_say "$step: done already"; return 0 ;;
    legacy) stamp_legacy "$step" "$stamp"; return 0 ;;
    changed) stamp_say "$step: $STAMP_WHY, rerunning" ;;
  esac
  return 1
}

stamp_move_aside() {
  local dir=$1 n=1
  while [ -e "$dir.old-$n" ]; do n=$((n + 1)); done
  mv -- "$dir" "$dir.old-$n" || return 1
  echo "$dir.old-$n"
}
