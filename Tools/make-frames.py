#!/usr/bin/env python3
"""Writes a frames file of Blood Pressure Measurement (0x2A35) payloads for `helsebro bench decode`.

Each payload is a 16-bit little-endian length and then the payload. The mix of flags (time stamp, pulse, user,
status, mmHg and kPa) and values is fixed by --seed, so any decoder can be held against ours on the same file.
"""
import argparse
import random
import struct


def sfloat(mantissa, exponent):
    return struct.pack("<H", ((exponent & 0xF) << 12) | (mantissa & 0xFFF))


def frame(rng):
    flags = rng.choice([0x00, 0x02, 0x04, 0x06, 0x0E, 0x1E, 0x1F, 0x16])
    out = bytes([flags])
    if flags & 1:  # kPa, one decimal
        out += sfloat(rng.randrange(140, 240), -1) + sfloat(rng.randrange(80, 140), -1) + sfloat(rng.randrange(100, 160), -1)
    else:
        out += sfloat(rng.randrange(100, 180), 0) + sfloat(rng.randrange(60, 100), 0) + sfloat(rng.randrange(75, 125), 0)
    if flags & 0x02:
        out += struct.pack("<HBBBBB", 2026, 11, 22, rng.randrange(24), rng.randrange(60), 0)
    if flags & 0x04:
        out += sfloat(rng.randrange(50, 120), 0)
    if flags & 0x08:
        out += bytes([rng.randrange(4)])
    if flags & 0x10:
        out += struct.pack("<H", rng.randrange(0x40))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, default=4096)
    p.add_argument("--seed", type=int, default=2026)
    a = p.parse_args()
    rng = random.Random(a.seed)
    with open(a.out, "wb") as f:
        for _ in range(a.count):
            payload = frame(rng)
            f.write(struct.pack("<H", len(payload)) + payload)
    print("wrote %d payloads to %s" % (a.count, a.out))


if __name__ == "__main__":
    main()
