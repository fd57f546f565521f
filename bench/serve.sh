#!/usr/bin/env bash
# mt-serve under load against mt-translate on the same sentences: requests/s and p50/p99 latency
# at concurrency 1, 8 and 64 for one-line requests (POST /translate, one connection each), the
# whole-file throughput of mt-translate on those lines, and its latency for one line in a warm
# process (a line written to its stdin, its answer read back). One JSON object per result line,
# then the ratios the issue asks for (c64 throughput / file throughput ≥ 0.7; c1 p50 / warm p50
# ≤ 1.2, measured both as two separate runs and interleaved line by line). The load client runs on the same 2 cores as the server, so numbers are indicative.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash bench/serve.sh
#   SERVE_BIN=/other/build/mt-serve bash bench/serve.sh   # another mt-serve (e.g. an older commit's)
#
# Model: `small`, 20 updates on 2,000 Multi30k pairs (the decoding cost of the shape, not a
# useful translator), or MODEL=DIR, an en→de model directory (e.g. MODEL=work/demo/t2r after make
# demo: real translations, so realistic output lengths); beam 4; 400 test_2016_flickr sentences.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train mt-translate mt-serve; do
  [ -x "$BIN/$b" ] || { echo "{\"bench\":\"serve\",\"skipped\":\"$BIN/$b missing\"}"; exit 0; }
done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
SERVE_BIN=${SERVE_BIN:-$BIN/mt-serve}
THREADS=${THREADS:-2}
T=$(mktemp -d)
trap 'rc=$?; kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
if [ -n "${MODEL:-}" ]; then
  [ -f "$MODEL/config.yaml" ] || { echo "bench/serve.sh: MODEL=$MODEL is not a model directory (no config.yaml)" >&2; exit 1; }
  M=$MODEL
else
  small_multi30k "$T" 20 2000
  "$BIN/mt-train" --train-source "$T/train.src" --train-target "$T/train.tgt" \
    --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes" \
    --source-vocab "$T/vocab" --target-vocab "$T/vocab" --arch small --threads "$THREADS" --seed 7 \
    --max-tokens 1024 --lr 0.001 --warmup-updates 10 --max-updates 20 --save-interval 20 \
    --log-interval 10 --best-metric loss --save-dir "$T/model" > "$T/train.log" 2>&1
  M=$T/model
fi
echo "{\"bench\":\"serve\",\"model\":\"${MODEL:-small, 20 updates}\"}"
gzip -dc "$DATA/multi30k/test_2016_flickr.en.gz" | sed -n 1,400p > "$T/lines"

# mt-translate on the file (its own timing of the translation, model load excluded).
"$BIN/mt-translate" -m "$M" --threads "$THREADS" < "$T/lines" > "$T/ref" 2> "$T/file.log"
# Lines/s from mt-translate's own summary (its tok/s carries the full-precision time; its
# seconds are rounded to 0.1).
file_rate() { python3 -c 'import re,sys; m=re.search(r"(\d+) lines, (\d+) target tokens in [\d.]+ s: ([\d.]+) tok/s", open(sys.argv[1]).read()); print(round(int(m[1])*float(m[3])/int(m[2]),2))' "$1"; }
file_lps=$(file_rate "$T/file.log")
echo "{\"bench\":\"serve\",\"tool\":\"mt-translate\",\"mode\":\"file\",\"lines\":400,\"lines_per_s\":$file_lps}"

# mt-translate warm, one line at a time: write a line, time until its answer.
warm=$(python3 - "$BIN/mt-translate" "$M" "$THREADS" "$T/lines" <<'PY'
import json, subprocess, sys, time
mt, model, threads, lines = sys.argv[1], sys.argv[2], sys.argv[3], open(sys.argv[4]).read().split("\n")[:100]
p = subprocess.Popen([mt, "-m", model, "--threads", threads], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
p.stdin.write(lines[0] + "\n"); p.stdin.flush(); p.stdout.readline()   # warm up
ts = []
for l in lines:
    t0 = time.monotonic(); p.stdin.write(l + "\n"); p.stdin.flush(); p.stdout.readline(); ts.append(time.monotonic() - t0)
p.stdin.close(); p.wait()
ts.sort()
print(json.dumps({"p50_ms": round(ts[len(ts)//2] * 1000, 2), "p99_ms": round(ts[int(0.99 * (len(ts) - 1))] * 1000, 2)}))
PY
)
warm_p50=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["p50_ms"])' "$warm")
echo "{\"bench\":\"serve\",\"tool\":\"mt-translate\",\"mode\":\"warm-line\",\"lines\":100,$(echo "$warm" | sed 's/^{//')"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# SERVE_FLAGS: extra mt-serve flags (e.g. --keep-on-disconnect, --compute-type int8).
# shellcheck disable=SC2086
"$SERVE_BIN" --model en-de="$M" --port "$PORT" --threads "$THREADS" --quiet --max-queue-lines 4096 ${SERVE_FLAGS:-} 2> "$T/serve.log" &
SPID=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && break; sleep 0.05; done
PY=python3
[ -x "$ROOT/.venv-test/bin/python" ] && PY=$ROOT/.venv-test/bin/python

# One line at a time, interleaved: line i to the warm mt-translate, then the same line as one
# request to the server, 150 lines, with two clients: Python's http.client (a new connection per
# request, as a LibreTranslate client makes), a minimal one (a raw socket, the same HTTP/1.1
# request, the answer read by Content-Length: ~0.3 ms less client time), and curl (its own
# time_total, connect to last byte, a new process each request, its start not timed). All see the same
# moments of the machine, so drift between two separate runs does not enter the ratios.
inter=$(python3 - "$BIN/mt-translate" "$M" "$THREADS" "$T/lines" "$PORT" <<'PYI'
import http.client, json, socket, subprocess, sys, time
mt, model, threads, lines, port = sys.argv[1], sys.argv[2], sys.argv[3], open(sys.argv[4]).read().split("\n")[:150], int(sys.argv[5])
p = subprocess.Popen([mt, "-m", model, "--threads", threads], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
def serve(text):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/translate", body=json.dumps({"q": text, "source": "en", "target": "de"}).encode(),
              headers={"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read(); c.close()
    assert r.status == 200, (r.status, body)
    return json.loads(body)["translatedText"]
def serve_raw(text):
    b = json.dumps({"q": text, "source": "en", "target": "de"}).encode()
    s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"POST /translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
    buf = b""
    while True:
        d = s.recv(65536)
        assert d, "connection closed before the answer"
        buf += d
        head, sep, body = buf.partition(b"\r\n\r\n")
        if sep:
            n = [int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")][0]
            if len(body) >= n: break
    s.close()
    assert head.startswith(b"HTTP/1.1 200"), head
    return json.loads(body[:n])["translatedText"]
def serve_curl(text):
    # curl's own time_total: from its connect to the answer's last byte (its process start excluded).
    r = subprocess.run(["curl", "-s", "-H", "Content-Type: application/json", "-H", "Expect:", "--data-binary", "@-",
                        "-w", "\n%{http_code} %{time_total}", f"http://127.0.0.1:{port}/translate"],
                       input=json.dumps({"q": text, "source": "en", "target": "de"}).encode(), capture_output=True, check=True)
    body, _, tail = r.stdout.rpartition(b"\n")
    code, seconds = tail.split()
    assert code == b"200", (code, body)
    return json.loads(body)["translatedText"], float(seconds)
p.stdin.write(lines[0] + "\n"); p.stdin.flush(); p.stdout.readline(); serve(lines[0]); serve_raw(lines[0]); serve_curl(lines[0])   # warm up
local, remote, raw, curl, same = [], [], [], [], 0
for l in lines:
    t0 = time.monotonic(); p.stdin.write(l + "\n"); p.stdin.flush(); a = p.stdout.readline().rstrip("\n"); local.append(time.monotonic() - t0)
    t0 = time.monotonic(); b = serve(l); remote.append(time.monotonic() - t0)
    t0 = time.monotonic(); c = serve_raw(l); raw.append(time.monotonic() - t0)
    d, s = serve_curl(l); curl.append(s)
    same += a == b == c == d
p.stdin.close(); p.wait()
med = lambda xs: sorted(xs)[len(xs) // 2] * 1000
print(json.dumps({"lines": len(lines), "identical": same, "mt_translate_p50_ms": round(med(local), 2),
                  "serve_p50_ms": round(med(remote), 2), "ratio": round(med(remote) / med(local), 3),
                  "serve_raw_client_p50_ms": round(med(raw), 2), "ratio_raw_client": round(med(raw) / med(local), 3),
                  "serve_curl_p50_ms": round(med(curl), 2), "ratio_curl": round(med(curl) / med(local), 3)}))
PYI
)
echo "{\"bench\":\"serve\",\"mode\":\"c1-interleaved\",$(echo "$inter" | sed 's/^{//')"
declare -A rps p50
for c in 1 8 64; do
  n=$(( c == 1 ? 150 : (c == 8 ? 400 : 800) ))
  r=$("$PY" "$ROOT/Tests/scripts/serve_client.py" load --port "$PORT" --lines "$T/lines" --expected "$T/ref" \
      --requests "$n" --concurrency "$c" --deadline 120)
  rps[$c]=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["req_per_s"])' "$r")
  p50[$c]=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["p50_ms"])' "$r")
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"bench":"serve","tool":"mt-serve","concurrency":int(sys.argv[2]),"requests":r["requests"],"ok":r["statuses"].get("200",0),"mismatches":r["mismatches"],"req_per_s":r["req_per_s"],"p50_ms":r["p50_ms"],"p99_ms":r["p99_ms"]}))' "$r" "$c"
done
# c64 against the file again, alternated: three rounds of (mt-translate on the file, then 800
# requests at concurrency 64), each round's ratio from its own two neighbouring measurements, so
# the machine's drift between the first file run and the load above does not enter; the median.
rounds=()
for i in 1 2 3; do
  "$BIN/mt-translate" -m "$M" --threads "$THREADS" < "$T/lines" > /dev/null 2> "$T/file$i.log"
  f=$(file_rate "$T/file$i.log")
  r=$("$PY" "$ROOT/Tests/scripts/serve_client.py" load --port "$PORT" --lines "$T/lines" --expected "$T/ref" \
      --requests 800 --concurrency 64 --deadline 120)
  rounds+=("$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); f=float(sys.argv[2]); print(json.dumps({"bench":"serve","mode":"c64-alternated","round":int(sys.argv[3]),"mt_translate_file_lines_per_s":f,"serve_c64_req_per_s":r["req_per_s"],"ok":r["statuses"].get("200",0),"mismatches":r["mismatches"],"ratio":round(r["req_per_s"]/f,3)}))' "$r" "$f" "$i")")
  echo "${rounds[-1]}"
done
kill -TERM "$SPID"; wait "$SPID" || true
python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"bench":"serve","ratio":"serve_c1_p50/mt-translate_warm_line_p50 (interleaved, http.client)","value":r["ratio"],"target":"<= 1.2"})); print(json.dumps({"bench":"serve","ratio":"serve_c1_p50/mt-translate_warm_line_p50 (interleaved, raw-socket client)","value":r["ratio_raw_client"],"target":"<= 1.2"})); print(json.dumps({"bench":"serve","ratio":"serve_c1_p50/mt-translate_warm_line_p50 (interleaved, curl time_total)","value":r["ratio_curl"],"target":"<= 1.2"}))' "$inter"
python3 - "$file_lps" "$warm_p50" "${rps[1]}" "${rps[8]}" "${rps[64]}" "${p50[1]}" <<'PY'
import json, sys
file_lps, warm_p50, r1, r8, r64, p1 = map(float, sys.argv[1:])
for c, r in ((1, r1), (8, r8), (64, r64)):
    print(json.dumps({"bench": "serve", "ratio": f"serve_c{c}_req_per_s/mt-translate_file_lines_per_s", "value": round(r / file_lps, 3)}))
print(json.dumps({"bench": "serve", "ratio": "serve_c64/mt-translate_file (first file run)", "value": round(r64 / file_lps, 3), "target": ">= 0.7"}))
print(json.dumps({"bench": "serve", "ratio": "serve_c1_p50/mt-translate_warm_line_p50 (separate runs)", "value": round(p1 / warm_p50, 3), "target": "<= 1.2"}))
PY
python3 -c 'import json,sys; rs=sorted(json.loads(a)["ratio"] for a in sys.argv[1:]); print(json.dumps({"bench":"serve","ratio":"serve_c64/mt-translate_file (alternated rounds, median)","value":rs[len(rs)//2],"rounds":rs,"target":">= 0.7"}))' "${rounds[@]}"
