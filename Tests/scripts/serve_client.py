#!/usr/bin/env python3
"""Bounded HTTP load against a local mt-serve (127.0.0.1 only), for serve_e2e.sh and bench/serve.sh.

  serve_client.py load --port P --lines FILE [--expected FILE] --requests N --concurrency C
                       [--endpoint translate|v1] [--timeout S] [--deadline S]

Sends N one-line requests (line i % len(lines)) from C threads, one connection per request, and
prints one JSON object: counts by status (and by client-side error), mismatches against the
expected line, requests/s and latency percentiles. It never retries and stops by itself after N
requests or --deadline seconds.
"""
import argparse, http.client, json, sys, threading, time


def one(port, endpoint, text, timeout):
    if endpoint == "v1":
        path, body = "/v1/translate", json.dumps({"model": "en-de", "texts": [text]})
    else:
        path, body = "/translate", json.dumps({"q": text, "source": "en", "target": "de"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = False
    try:
        conn.connect()
        conn.request("POST", path, body=body.encode(), headers={"Content-Type": "application/json"})
        sent = True
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            return r.status, None
        o = json.loads(data)
        return 200, (o["translatedText"] if endpoint != "v1" else o["translations"][0]["text"])
    except ConnectionRefusedError:
        return "refused", None
    except Exception as e:  # reset or timeout: before or after the request was sent
        return ("lost:" if sent else "unsent:") + type(e).__name__, None
    finally:
        conn.close()


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["load"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--lines", required=True)
    ap.add_argument("--expected")
    ap.add_argument("--requests", type=int, required=True)
    ap.add_argument("--concurrency", type=int, required=True)
    ap.add_argument("--endpoint", default="translate")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--deadline", type=float, default=150)
    a = ap.parse_args()
    lines = open(a.lines, encoding="utf-8").read().split("\n")[:-1]
    expected = open(a.expected, encoding="utf-8").read().split("\n")[:-1] if a.expected else None
    assert lines and (expected is None or len(expected) == len(lines)), "lines and expected differ in length"
    lock = threading.Lock()
    state = {"next": 0}
    statuses, mismatches, latencies = {}, [], []
    stop_at = time.monotonic() + a.deadline

    def worker():
        while True:
            with lock:
                i = state["next"]
                if i >= a.requests or time.monotonic() > stop_at:
                    return
                state["next"] += 1
            k = i % len(lines)
            t0 = time.monotonic()
            status, text = one(a.port, a.endpoint, lines[k], a.timeout)
            dt = time.monotonic() - t0
            with lock:
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status == 200:
                    latencies.append(dt)
                    if expected is not None and text != expected[k]:
                        mismatches.append({"line": k + 1, "got": text, "want": expected[k]})

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    ok = statuses.get("200", 0)
    print(json.dumps({"requests": sum(statuses.values()), "statuses": statuses, "mismatches": len(mismatches),
                      "first_mismatches": mismatches[:3], "seconds": round(wall, 3),
                      "req_per_s": round(ok / wall, 2) if wall > 0 else None,
                      "p50_ms": round(pct(latencies, 50) * 1000, 2) if latencies else None,
                      "p99_ms": round(pct(latencies, 99) * 1000, 2) if latencies else None}))


if __name__ == "__main__":
    main()
