"""Draws records per second per system from the benchmark's results.tsv.

    python benchmarks/quix/chart.py target/benchmarks/results.tsv docs/benchmarks.png

Run through scripts/bench-quix.sh chart (matplotlib lives in the benchmark's
own virtual environment).
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    source, target = sys.argv[1], sys.argv[2]
    with open(source, newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t") if r["unit"] in ("records/s", "lines/s")]
    if not rows:
        print("chart: no records/s rows in " + source, file=sys.stderr)
        return 1
    groups = []
    for r in rows:
        if r["benchmark"] not in groups:
            groups.append(r["benchmark"])
    height = 1.4 + 1.1 * len(rows)
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, height), squeeze=False)
    for ax, group in zip(axes[:, 0], groups):
        members = [r for r in rows if r["benchmark"] == group]
        names = [r["system"] for r in members]
        values = [float(r["median"]) for r in members]
        colors = ["#9e9e9e" if r["baseline"] == "true" else "#d2691e" for r in members]
        bars = ax.barh(names, values, color=colors)
        ax.invert_yaxis()
        ax.set_title(group, fontsize=10, loc="left")
        ax.set_xlabel(members[0]["unit"] + " (median)", fontsize=8)
        ax.tick_params(labelsize=8)
        top = max(values) if values else 1
        ax.set_xlim(0, top * 1.25)
        for bar, value in zip(bars, values):
            label = f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.1f} k"
            ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, label,
                    va="center", fontsize=8)
    fig.suptitle("Records per second per system (grey: baseline)", fontsize=11)
    # Half an inch at the top for the title, above the first plot's own.
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / height))
    fig.savefig(target, dpi=110)
    print(f"chart: wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
