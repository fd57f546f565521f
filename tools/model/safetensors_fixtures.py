#!/usr/bin/env python3
"""Interop fixtures for MTModel's safetensors reader and writer (needs: pip install numpy safetensors).

  python3 tools/model/safetensors_fixtures.py write   # writes Fixtures/numpy_written.safetensors
  python3 tools/model/safetensors_fixtures.py check   # reads Fixtures/swift_written.safetensors

`write` makes a file with the reference library; SafeTensorsTests.testReadsFileWrittenByPython
reads it. `check` verifies, with the reference library, the file that SafeTensorsTests writes
byte-for-byte (testWriterOutputMatchesCommittedFile), so our writer's output is known readable.
To regenerate the Swift-written file: MT_WRITE_SAFETENSORS_FIXTURE=$PWD/Tests/MTModelTests/Fixtures/swift_written.safetensors
swift test --filter testWriterOutputMatchesCommittedFile, then run `check`.
The values are a formula both sides compute: value[i] = (i % 7 - 3) * 0.25 + offset.
"""
import os, sys
import numpy as np
from safetensors.numpy import save_file, load_file
from safetensors import safe_open

FIX = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "MTModelTests", "Fixtures")

def pattern(shape, offset):
    n = int(np.prod(shape))
    return ((np.arange(n) % 7 - 3) * 0.25 + offset).astype(np.float32).reshape(shape)

def write():
    tensors = {
        "encoder.layers.0.fc1.weight": pattern((3, 4), 0.0),
        "encoder.layers.0.fc1.bias": pattern((3,), 1.0),
        "decoder.embed_tokens.weight": pattern((5, 2), -1.0),
        "half.weight": pattern((2, 3), 0.5).astype(np.float16),
    }
    save_file(tensors, os.path.join(FIX, "numpy_written.safetensors"), metadata={"note": "written by numpy", "n": "4"})

def check():
    path = os.path.join(FIX, "swift_written.safetensors")
    got = load_file(path)
    with safe_open(path, framework="np") as f:
        meta = f.metadata()
    assert meta["note"] == "written by mt", meta
    assert set(got) == {"a.weight", "b.bias"}, got.keys()
    np.testing.assert_array_equal(got["a.weight"], pattern((2, 3), 0.0))
    np.testing.assert_array_equal(got["b.bias"], pattern((4,), 2.0))
    print("swift_written.safetensors: read by the safetensors library, values and metadata as expected")

if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]]()
