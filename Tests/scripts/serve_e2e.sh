#!/usr/bin/env bash
# mt-serve end to end on real loopback sockets with a small trained model:
#  1. the LibreTranslate client from PyPI (libretranslatepy, in the ignored .venv-test):
#     translate, languages, detect; answers equal mt-translate's lines;
#  2. raw malformed requests with curl: bad JSON, invalid UTF-8, unknown pair, too large, bad key;
#  3. load: 64 concurrent clients, 2,000 requests of Multi30k test sentences, every answer 200
#     and identical to mt-translate's line for it;
#  4. overload: a queue of 8 lines, 300 concurrent requests: the excess gets 503, the rest are
#     answered correctly, the server stays up;
#  5. SIGTERM under load: every request the server accepted is answered, later ones are refused,
#     and the server exits 0;
#  6. disconnects: requests queued behind a long one whose clients close their connections are
#     dropped from the queue (499 in the log, mt_serve_dropped_requests_total); a lone request
#     to an idle server is answered with keep-alive.
#
#   BIN=.build-test/release MT_DATA_DIR=../shared/data bash Tests/scripts/serve_e2e.sh
#
# Model: `tiny`, 30 updates on 2,000 Multi30k En-De pairs (as interactive_translate.sh trains it).
# All traffic goes to 127.0.0.1, bounded in count and time.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train mt-translate mt-serve; do
  [ -x "$BIN/$b" ] || { echo "serve_e2e: $BIN/$b missing" >&2; exit 1; }
done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
T=$(mktemp -d)
trap 'rc=$?; kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT
fail() { echo "serve_e2e: FAIL: $*" >&2; tail -n 5 "$T"/*.log >&2 || true; exit 1; }
say() { echo "serve_e2e: $*" >&2; }
CLIENT="$ROOT/Tests/scripts/serve_client.py"

# The PyPI client in an ignored venv (.venv-test is in .gitignore as /.venv*/).
VENV=$ROOT/.venv-test
if ! "$VENV/bin/python" -c "import libretranslatepy" 2>/dev/null; then
  python3 -m venv "$VENV" || fail "python3 -m venv failed (apt-get install python3-venv)"
  "$VENV/bin/pip" install -q libretranslatepy >/dev/null || fail "pip install libretranslatepy failed"
fi
PY=$VENV/bin/python

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 20
"$BIN/mt-train" --train-source "$T/train.src" --train-target "$T/train.tgt" \
  --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes" \
  --source-vocab "$T/vocab" --target-vocab "$T/vocab" --arch tiny --threads 1 --seed 7 \
  --max-tokens 512 --lr 0.001 --warmup-updates 10 --max-updates 30 --save-interval 30 \
  --log-interval 10 --best-metric loss --save-dir "$T/model" > "$T/train.log" 2>&1 \
  || fail "training failed"

# Reference: mt-translate on the test sentences as a file (its defaults: beam 4, lenpen 1).
gzip -dc "$DATA/multi30k/test_2016_flickr.en.gz" | sed -n 1,1000p > "$T/test.en"
"$BIN/mt-translate" -m "$T/model" --threads 2 < "$T/test.en" > "$T/test.ref" 2> "$T/ref.log" || fail "mt-translate failed"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# start NAME ARGS...: starts mt-serve on a free port, sets PORT and SPID, waits for /health.
start() {
  local name=$1; shift
  PORT=$(free_port)
  "$BIN/mt-serve" --model en-de="$T/model" --port "$PORT" --threads 2 "$@" > "$T/$name.out" 2> "$T/$name.log" &
  SPID=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && return 0
    kill -0 "$SPID" 2>/dev/null || fail "$name: mt-serve exited at start"
    sleep 0.05
  done
  fail "$name: no /health answer within 10 s"
}
stop() { kill -TERM "$SPID"; wait "$SPID" || fail "mt-serve exited with $? after SIGTERM"; }

# 1. The LibreTranslate client.
start main
"$PY" - "$PORT" "$T/test.en" "$T/test.ref" <<'PY' || fail "libretranslatepy checks failed"
import sys
from libretranslatepy import LibreTranslateAPI
port, src, ref = sys.argv[1], open(sys.argv[2]).read().split("\n"), open(sys.argv[3]).read().split("\n")
lt = LibreTranslateAPI(f"http://127.0.0.1:{port}")
for k in range(5):
    got = lt.translate(src[k], "en", "de")
    assert got == ref[k], f"line {k+1}: {got!r} != mt-translate's {ref[k]!r}"
langs = lt.languages()
assert [l["code"] for l in langs] == ["de", "en"] and langs[1]["targets"] == ["de"], langs
det = lt.detect(src[0])
assert det[0]["language"] == "en", det
print("serve_e2e: libretranslatepy: 5 translations equal mt-translate's, languages and detect ok", file=sys.stderr)
PY

# 2. Raw malformed requests.
expect() {  # expect STATUS FRAGMENT CURL-ARGS...: the status and a fragment of the error message
  local want=$1 fragment=$2; shift 2
  local got
  got=$(curl -s -o "$T/body" -w '%{http_code}' "$@") || fail "curl failed: $*"
  [ "$got" = "$want" ] || fail "expected $want, got $got for $*: $(cat "$T/body")"
  [ -z "$fragment" ] || grep -qF -- "$fragment" "$T/body" || fail "answer to $* lacks '$fragment': $(cat "$T/body")"
}
U=http://127.0.0.1:$PORT
J=(-H 'Content-Type: application/json')
expect 400 "malformed JSON" "${J[@]}" -d '{"q": "A man", "source":' "$U/translate"
printf '{"q": "A \xff man", "source": "en", "target": "de"}' > "$T/bad-utf8"
expect 400 "not valid UTF-8 (first bad byte at offset 9)" "${J[@]}" --data-binary @"$T/bad-utf8" "$U/translate"
expect 400 "no model translates en to fr" "${J[@]}" -d '{"q": "A man", "source": "en", "target": "fr"}' "$U/translate"
expect 400 "missing q parameter" -d 'source=en&target=de' "$U/translate"
expect 413 "the limit is 5000" "${J[@]}" -d "{\"q\": \"$(head -c 6000 /dev/zero | tr '\0' a)\", \"source\": \"en\", \"target\": \"de\"}" "$U/translate"
expect 400 "nbest 5 not in 1...beam (4)" "${J[@]}" -d '{"model": "en-de", "texts": ["A man."], "nbest": 5}' "$U/v1/translate"
expect 200 '"hypotheses"' "${J[@]}" -d '{"model": "en-de", "texts": ["A man."], "beam": 2, "nbest": 2}' "$U/v1/translate"
expect 404 "no endpoint /nowhere" "$U/nowhere"
expect 405 "/translate takes POST, not GET" "$U/translate"
expect 200 '"charLimit":5000' "$U/frontend/settings"
# curl -F posts multipart/form-data, as a browser's FormData: the same answer as JSON.
multipart=$(curl -s -F 'q=A man is walking.' -F source=en -F target=de "$U/translate")
json=$(curl -s "${J[@]}" -d '{"q": "A man is walking.", "source": "en", "target": "de"}' "$U/translate")
[ "$multipart" = "$json" ] && [ -n "$json" ] || fail "multipart answer $multipart differs from JSON $json"
# format html: the text node translated as the line alone, the markup kept.
html=$(curl -s "${J[@]}" -d '{"q": "<p class=\"c\">A man is walking.</p><code>ls</code>", "source": "en", "target": "de", "format": "html"}' "$U/translate")
python3 - "$html" "$json" <<'PYH' || fail "format html: $html (text: $json)"
import html, json, sys
got, text = json.loads(sys.argv[1])["translatedText"], json.loads(sys.argv[2])["translatedText"]
assert got == '<p class="c">' + html.escape(text, quote=False) + "</p><code>ls</code>", (got, text)
PYH
expect 403 "Suggestions are disabled on this server." -X POST "$U/suggest"
curl -s "$U/metrics" | grep -q 'mt_serve_errors_total{status="400"} 5' || fail "metrics do not count the 400s: $(curl -s "$U/metrics" | grep errors)"
say "malformed and other requests: 11 answered with the right status and message; multipart form = JSON; format html keeps the markup"

# 3. Load: 64 concurrent clients, 2,000 requests.
"$PY" "$CLIENT" load --port "$PORT" --lines "$T/test.en" --expected "$T/test.ref" --requests 2000 --concurrency 64 \
  --deadline 90 > "$T/load.json" || fail "load client failed"
say "load: $(cat "$T/load.json")"
python3 - "$T/load.json" <<'PY' || fail "load test: not every answer was 200 and equal to mt-translate's"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["statuses"] == {"200": 2000} and r["mismatches"] == 0, r
PY
stop
grep -q "stopped" "$T/main.log" || fail "no clean stop after SIGTERM"

# 4. Overload: a queue of 8 lines, 300 concurrent requests; keys required (one for this test).
printf 'loadkey\nslowkey 3\n' > "$T/keys"
start overload --max-queue-lines 8 --batch-wait-ms 20 --api-keys "$T/keys"
U=http://127.0.0.1:$PORT
expect 403 "requires an api_key" -d 'q=A+man&source=en&target=de' "$U/translate"
expect 403 "Invalid API key" -d 'q=A+man&source=en&target=de&api_key=nope' "$U/translate"
for _ in 1 2 3; do expect 200 translatedText -d 'q=A+man&source=en&target=de&api_key=slowkey' "$U/translate"; done
expect 429 "the limit is 3 per minute" -d 'q=A+man&source=en&target=de&api_key=slowkey' "$U/translate"
"$PY" - "$PORT" "$T/test.en" "$T/test.ref" > "$T/overload.json" <<'PY' || fail "overload client failed"
import json, sys, threading, urllib.request, urllib.error, urllib.parse
port, src, ref = sys.argv[1], open(sys.argv[2]).read().split("\n"), open(sys.argv[3]).read().split("\n")
out, lock, barrier = {"200": 0, "503": 0, "other": [], "bad": 0, "retry_after": 0}, threading.Lock(), threading.Barrier(300)
def go(k):
    data = urllib.parse.urlencode({"q": src[k], "source": "en", "target": "de", "api_key": "loadkey"}).encode()
    barrier.wait()
    try:
        r = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/translate", data=data), timeout=60)
        ok = json.loads(r.read())["translatedText"] == ref[k]
        with lock:
            out["200"] += 1; out["bad"] += 0 if ok else 1
    except urllib.error.HTTPError as e:
        with lock:
            if e.code == 503:
                out["503"] += 1; out["retry_after"] += 1 if e.headers.get("Retry-After") else 0
            else:
                out["other"].append(e.code)
    except Exception as e:
        with lock: out["other"].append(type(e).__name__)
ts = [threading.Thread(target=go, args=(k,)) for k in range(300)]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps(out))
PY
say "overload: $(cat "$T/overload.json")"
python3 - "$T/overload.json" <<'PY' || fail "overload: expected some 503 (with Retry-After) and the rest answered correctly"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["503"] > 0 and r["200"] > 0 and r["200"] + r["503"] == 300 and not r["other"] and r["bad"] == 0, r
assert r["retry_after"] == r["503"], r
PY
curl -sf "$U/health" > /dev/null || fail "the server is not up after the overload"
expect 200 translatedText -d 'q=A+man&source=en&target=de&api_key=loadkey' "$U/translate"
stop

# 5. SIGTERM under load: 64 clients, SIGTERM after 1 s. Every request the server received (its
# request log) must have been answered: the client's 200s and 503s equal the log's lines, and
# no answer is wrong. Connections still in the kernel's accept queue when the listener closes
# are reset without reaching the server ("unsent"/"lost" on the client, absent from the log).
start drain
"$PY" "$CLIENT" load --port "$PORT" --lines "$T/test.en" --expected "$T/test.ref" --requests 4000 --concurrency 64 \
  --deadline 60 > "$T/drain.json" &
LOAD=$!
sleep 1
kill -TERM "$SPID"
wait "$SPID" || fail "mt-serve exited with $? after SIGTERM under load"
wait "$LOAD" || fail "drain load client failed"
say "SIGTERM under load: $(cat "$T/drain.json")"
python3 - "$T/drain.json" "$T/drain.log" <<'PY' || fail "SIGTERM under load lost in-flight requests or answered wrongly"
import json, re, sys
r = json.load(open(sys.argv[1]))
log = [l for l in open(sys.argv[2]) if l.startswith("[serve] POST /translate ")]
answered = sum(1 for l in log if re.match(r"\[serve\] POST /translate (200|503) ", l))
s = r["statuses"]
assert s.get("200", 0) > 0 and r["mismatches"] == 0, r
assert answered == len(log), f"the server logged {len(log) - answered} requests it did not answer with 200/503"
assert s.get("200", 0) + s.get("503", 0) == answered, f"client saw {s} but the server answered {answered}"
assert "stopped" in open(sys.argv[2]).read(), "no clean stop in the log"
print(f"serve_e2e: drain: {answered} requests received and all answered; {r['requests'] - answered} not accepted", file=sys.stderr)
PY

# 6. Disconnects. A long request (9,000 lines: seconds even on a fast machine) keeps the worker
# decoding; 5 one-line requests sent meanwhile wait in the queue, and their clients close the
# connection right after sending. Each must leave the queue (499 in the request log, the dropped
# counter at 5) while the long one is still decoding; the long request is answered in full, and
# the server answers afterwards.
start disconnect --max-lines 9000 --max-chars 2000000
python3 - "$PORT" "$T/test.en" "$T/test.ref" <<'PY' || fail "disconnect test failed"
import http.client, json, socket, sys, threading, time
port, lines, ref = int(sys.argv[1]), open(sys.argv[2]).read().splitlines(), open(sys.argv[3]).read().splitlines()
def post(path, obj, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", path, body=json.dumps(obj).encode(), headers={"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read(); headers = dict(r.getheaders()); c.close()
    return r.status, body, headers
def metric(name):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10); c.request("GET", "/metrics")
    text = c.getresponse().read().decode(); c.close()
    return sum(float(l.split()[-1]) for l in text.splitlines() if l.startswith(name + " ") or l.startswith(name + "{"))
# A lone request to an idle server: nothing to watch, the connection is kept.
status, body, headers = post("/translate", {"q": lines[0], "source": "en", "target": "de"})
assert status == 200 and json.loads(body)["translatedText"] == ref[0], (status, body)
assert headers.get("Connection", headers.get("connection", "")).lower() != "close", headers
long = {}
t = threading.Thread(target=lambda: long.update(r=post("/v1/translate", {"model": "en-de", "texts": lines[:1000] * 9})))
t.start()
time.sleep(0.2)   # the long request is queued and decoding (asserted below: still running after the drops)
deadline = time.monotonic() + 30
for k in range(5):
    b = json.dumps({"q": lines[k + 1], "source": "en", "target": "de"}).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(b) + b)
    time.sleep(0.02)
    s.close()
while metric("mt_serve_dropped_requests_total") < 5 and time.monotonic() < deadline: time.sleep(0.01)
dropped_while_busy = metric("mt_serve_dropped_requests_total")
still_decoding = t.is_alive()
t.join()
status, body, _ = long["r"]
texts = [x["text"] for x in json.loads(body)["translations"]]
assert status == 200 and texts == ref[:1000] * 9, "the long request was not answered as mt-translate"
assert still_decoding, "the long request ended before the disconnects were seen: the test proves nothing"
assert dropped_while_busy == 5, f"{dropped_while_busy} of 5 disconnected requests dropped"
assert metric("mt_serve_batch_lines_count") == 2, "a disconnected request was decoded"
status, body, _ = post("/translate", {"q": lines[7], "source": "en", "target": "de"})
assert status == 200 and json.loads(body)["translatedText"] == ref[7], (status, body)
print("serve_e2e: disconnects: 5 queued requests whose clients closed were dropped while a 9,000-line request decoded; a lone request kept its connection", file=sys.stderr)
PY
stop
[ "$(grep -c 'POST /translate 499 ' "$T/disconnect.log")" = 5 ] || fail "expected 5 requests logged as 499: $(grep -c 'POST /translate 499 ' "$T/disconnect.log")"
say "ok"
