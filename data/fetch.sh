#!/usr/bin/env bash
# Makes sure every corpus in data/manifest.tsv is present and intact, and prints the data directory.
#
#   data/fetch.sh [DIR]     DIR defaults to $MT_DATA_DIR, else ../shared/data when it exists,
#                           else data/downloads (inside this repository, ignored by git).
#
# Files already in DIR with the right sha256 are used as they are (a read-only DIR is fine).
# Missing files are downloaded from the public URL in the manifest into data/downloads/ and
# checked; a mismatch is an error naming the file, the expected and the actual hash.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
dir=${1:-${MT_DATA_DIR:-}}
if [ -z "$dir" ]; then
  if [ -d "$repo/../shared/data/multi30k" ]; then dir=$(cd "$repo/../shared/data" && pwd); else dir="$here/downloads"; fi
fi
downloads="$here/downloads"
missing=0
while IFS=$'\t' read -r path url sha lines licence; do
  case "$path" in ''|'#'*|path) continue ;; esac
  if [ -f "$dir/$path" ] && [ "$(sha256sum "$dir/$path" | cut -d' ' -f1)" = "$sha" ]; then continue; fi
  if [ -f "$dir/$path" ]; then
    echo "fetch: $dir/$path exists but its sha256 differs from data/manifest.tsv ($sha)" >&2; exit 1
  fi
  # Not in DIR: download into data/downloads and use that directory from now on.
  if [ "$dir" != "$downloads" ]; then
    echo "fetch: $path is not in $dir; downloading everything missing into $downloads" >&2
    dir=$downloads
    if [ -f "$dir/$path" ] && [ "$(sha256sum "$dir/$path" | cut -d' ' -f1)" = "$sha" ]; then continue; fi
  fi
  mkdir -p "$(dirname "$downloads/$path")"
  tmp="$downloads/$path.part"
  src=${url%|gzip}
  echo "fetch: $src -> $downloads/$path" >&2
  if ! curl -fsSL --retry 3 -o "$tmp" "$src"; then
    echo "fetch: could not download $src (no network?). Set MT_DATA_DIR to a folder holding the corpora." >&2
    rm -f "$tmp"; missing=1; continue
  fi
  if [ "$url" != "$src" ]; then gzip -n -9 -c "$tmp" > "$tmp.gz" && mv "$tmp.gz" "$tmp"; fi
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  if [ "$got" != "$sha" ]; then
    echo "fetch: $path: sha256 $got, expected $sha (data/manifest.tsv)" >&2; rm -f "$tmp"; missing=1; continue
  fi
  mv "$tmp" "$downloads/$path"
done < "$here/manifest.tsv"
[ "$missing" = 0 ] || exit 1
echo "$dir"
