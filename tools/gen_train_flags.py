#!/usr/bin/env python3
"""Regenerates Sources/mt-train/TrainFlags.swift: one optional flag per TrainConfig field.

Run after adding an option to Sources/MTTrain/TrainConfig.swift:  python3 tools/gen_train_flags.py
"""
import os, re
root = os.path.join(os.path.dirname(__file__), "..")
src = open(os.path.join(root, "Sources/MTTrain/TrainConfig.swift")).read()
body = src[src.index("public struct TrainConfig"):src.index("    public init() {}")]
fields, doc = [], []
for line in body.split("\n"):
    l = line.strip()
    if l.startswith("///"):
        doc.append(l[3:].strip())
        continue
    m = re.match(r"public var (\w+): (\w+) = (.*)$", l)
    if m:
        fields.append((m.group(1), m.group(2), " ".join(doc)))
    doc = []
kebab = lambda n: re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), n)
opts, merges = [], []
for name, typ, d in fields:
    h = (d or name).replace('"', '\\"')
    if typ == "Bool":
        h += " (true/false)"
    opts.append(f'    @Option(name: .customLong("{kebab(name)}"), help: "{h}")\n    var {name}: {typ}?')
    merges.append(f"        if let v = {name} {{ c.{name} = v }}")
out = '''import ArgumentParser
import MTTrain

/// One optional flag per `TrainConfig` option (generated from TrainConfig.swift by
/// tools/gen_train_flags.py); a flag given on the command line overrides the YAML file.
struct TrainFlags: ParsableArguments {
%s

    /// Applies the flags that were given on top of `c`.
    func apply(to c: inout TrainConfig) {
%s
    }
}
''' % ("\n\n".join(opts), "\n".join(merges))
open(os.path.join(root, "Sources/mt-train/TrainFlags.swift"), "w").write(out)
print(f"{len(fields)} options")
