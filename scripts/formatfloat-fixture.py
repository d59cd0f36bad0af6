#!/usr/bin/env python3
"""Writes test/fixtures/formatfloat/go-formatfloat-f.json: float64 values (as IEEE-754 bit
patterns, so they are exact) with the text Go's strconv.FormatFloat(v, 'f', -1, 64) gives them,
the number format of Prometheus' HTTP API.

Go's documented algorithm for precision -1 is "the smallest number of digits necessary to
represent the value uniquely" (the shortest decimal that parses back to v, the nearest to v when
several have that length), written in %f form: no exponent, no trailing zeros, no decimal point
for an integer, "-0" for negative zero, and "NaN", "+Inf", "-Inf". Python's repr(float) gives the
same shortest digits (David Gay's algorithm, correctly rounded), and Decimal writes them in
positional form exactly, so:

    expected = format(Decimal(repr(v)).normalize(), 'f')

Deterministic (seeded). Run from the repository root: python3 scripts/formatfloat-fixture.py
"""
import json
import math
import random
import struct
from decimal import Decimal

OUT = 'test/fixtures/formatfloat/go-formatfloat-f.json'


def bits(v: float) -> str:
    return struct.pack('>d', v).hex()


def from_bits(h: str) -> float:
    return struct.unpack('>d', bytes.fromhex(h))[0]


def go_format_f(v: float) -> str:
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return '+Inf' if v > 0 else '-Inf'
    return format(Decimal(repr(v)).normalize(), 'f')


def main() -> None:
    rand = random.Random(19)
    values = [
        0.0, -0.0, math.nan, math.inf, -math.inf,
        0.1 + 0.2, 0.1, 0.2, 0.3, 1.0, -1.0, 100.0, 1e6, 123456789.125,
        1e21, 1e21 * (1 + 2 ** -52), 999999999999999900000.0, 1e22, 1.5e21, 1.23e22,
        1e-7, 1e-6, 9.99999e-7, 1.5e-7, 1e-5, 0.000001234,
        5e-324, -5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308,
        1.7976931348623157e308, -1.7976931348623157e308,
        2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 63, 2.0 ** 64, 2.0 ** -1074 * 3,
        1 / 3, 2 / 3, 0.0021676666666666667, 9.98846567431158e307,
    ]
    # Powers of ten over the whole range, and their neighbours.
    for e in range(-323, 309):
        p = float(f'1e{e}')
        values += [p, math.nextafter(p, math.inf), math.nextafter(p, 0.0)]
    # Any bit pattern (every exponent, subnormals included).
    for _ in range(500):
        v = from_bits('%016x' % rand.getrandbits(64))
        if not math.isnan(v):
            values.append(v)
    # What PromQL results look like: rates, sums of a few decimals, byte counts.
    for _ in range(1000):
        values += [rand.uniform(0, 10), round(rand.uniform(0, 1e4), 2) / 60, float(rand.randrange(1 << 40))]
    seen = set()
    cases = []
    for v in values:
        b = bits(v)
        if b in seen:
            continue
        seen.add(b)
        cases.append([b, go_format_f(v)])
    with open(OUT, 'w') as f:
        json.dump({'generator': 'scripts/formatfloat-fixture.py', 'cases': cases}, f, indent=0)
        f.write('\n')
    print(f'{OUT}: {len(cases)} cases')


if __name__ == '__main__':
    main()
