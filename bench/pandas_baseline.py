"""Baseline: what a user would write with pandas for the pool CPU question.

Loads a Prometheus query_range body with json.load, computes a reset-aware rate per series
(a drop in a counter is a restart: the increase is the new value), averages it per step and
sums it per group, like sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total[1m])).

Usage: python3 bench/pandas_baseline.py <body.json> [--step 60] [--by groupname]
Prints one JSON line with the timings and the size of the answer.
"""
import argparse
import json
import sys
import time

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--step", type=float, default=60.0)
    parser.add_argument("--by", default="groupname")
    parser.add_argument("--metric", default="namedprocess_namegroup_cpu_seconds_total")
    args = parser.parse_args()

    started = time.perf_counter()
    with open(args.path, encoding="utf-8") as f:
        body = json.load(f)
    frames = []
    for series_id, series in enumerate(body["data"]["result"]):
        labels = series["metric"]
        if labels.get("__name__") != args.metric:
            continue
        frame = pd.DataFrame(series["values"], columns=["ts", "value"])
        frame["value"] = frame["value"].astype(float)
        frame["series"] = series_id
        frame["group"] = labels.get(args.by, "")
        frames.append(frame)
    samples = pd.concat(frames, ignore_index=True)
    loaded = time.perf_counter()

    samples = samples.sort_values(["series", "ts"])
    grouped = samples.groupby("series", sort=False)
    delta = grouped["value"].diff()
    delta = delta.where(delta >= 0, samples["value"])  # counter reset: the increase is the new value
    elapsed = grouped["ts"].diff()
    samples["rate"] = delta / elapsed
    samples["step"] = (samples["ts"] // args.step) * args.step
    per_series = samples.dropna(subset=["rate"]).groupby(["series", "group", "step"])["rate"].mean()
    per_group = per_series.groupby(level=["group", "step"]).sum()
    done = time.perf_counter()

    json.dump(
        {
            "samples": int(len(samples)),
            "groups": int(per_group.index.get_level_values("group").nunique()),
            "points": int(len(per_group)),
            "loadMs": (loaded - started) * 1000,
            "rateMs": (done - loaded) * 1000,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
