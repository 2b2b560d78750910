"""``lamoo bench-report RESULTS`` / ``python -m lamoo.bench.report_command RESULTS``: a results
folder written by ``lamoo bench`` -> ``RESULTS/REPORT.md``, ``RESULTS/runs.csv`` (one row per run:
:mod:`lamoo.bench.runs_table`) and ``RESULTS/plots/<task>.png``.

Per task: median and interquartile range of the final hypervolume, of ``log10(max HV - HV)`` and
of the samples needed to reach 99% and 99.9% of the maximum hypervolume (censored runs handled
as in :mod:`lamoo.bench.stats`), the sample ratio ``X / LaMOO(X)`` per sampler, optimizer time per
iteration near 200 samples, and a plot of ``log10(max HV - HV)`` against samples (medians and
interquartile bands).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lamoo.bench.command import Command, fractions

HELP = "turn a 'lamoo bench' results folder into REPORT.md with tables and plots"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``lamoo bench-report``."""
    from lamoo.bench.summary import THRESHOLDS

    p.description = (HELP + ". Reads RESULTS/json/*.json and writes RESULTS/REPORT.md, RESULTS/runs.csv (one row "
                     "per run: final gap, samples to 90, 95, 99 and 99.9% and each threshold, seconds, commit) and "
                     "RESULTS/plots/<task>.png: per task, medians and interquartile ranges of the final "
                     "hypervolume, of log10(max HV - HV) and of the samples needed to reach 99% and 99.9% of the "
                     "maximum hypervolume (censored runs handled honestly), the ratio X / LaMOO(X), and optimizer "
                     "time per iteration near 200 samples.")
    p.add_argument("results", type=Path, help="a results folder written by 'lamoo bench'")
    p.add_argument("--output", type=Path, default=None, help="report path (default: RESULTS/REPORT.md)")
    p.add_argument("--thresholds", type=fractions, default=THRESHOLDS,
                   help="fractions of the maximum hypervolume for the samples-to-threshold columns, comma-separated "
                        "(default: 0.99,0.999)")


def run(args: argparse.Namespace) -> int:
    """Write the report; prints its path."""
    from lamoo.bench.report import runs_table_path, write_report

    report = write_report(args.results, args.output, args.thresholds)
    print(f"wrote {report} and {runs_table_path(report)}")
    return 0


COMMAND = Command(HELP, add_arguments, run)


def main(argv: list[str] | None = None) -> int:
    return COMMAND.main("python -m lamoo.bench.report_command", argv)


if __name__ == "__main__":
    sys.exit(main())
