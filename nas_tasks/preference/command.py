"""``lamoo prefer``: compare candidates two at a time and learn the user's preference.

    lamoo prefer runs/nb201                    # the run's evaluations, on a local web page
    lamoo prefer runs/nb201 --ui terminal      # the same in the terminal
    lamoo prefer runs/mine --table ../shared/data/nb201/nb201_cifar.csv \\
        --objectives cifar10_test_acc,latency_ms_raspi4,params,flops --n-candidates 100

Judgments go to ``RUN_DIR/judgments.jsonl`` (resumed when it exists) and the ranker fitted on all of
them to ``RUN_DIR/ranker.json`` after every answer; search with it through
:class:`nas_tasks.preference.PreferenceTask` (see the README).

:data:`COMMAND` is the command object (``HELP``, ``add_arguments(parser)``, ``run(args) -> int``)
the ``lamoo`` command line loads.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lamoo.exceptions import InvalidInputError


class PreferCommand:
    HELP = ("compare candidates two at a time, on a local web page or in the terminal, and learn a preference "
            "(a RankNet) from the choices")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("run_dir", type=Path,
                            help="a 'lamoo optimize' run folder (its successful evaluations are the candidates), or "
                                 "with --table the folder to write the judgments to")
        src = parser.add_argument_group("candidates from a NAS-Bench-201 table instead of a run")
        src.add_argument("--table", type=Path, default=None, help="a table (as for 'lamoo optimize --task nb201')")
        src.add_argument("--objectives", default=None, help="comma-separated metrics to show and learn from")
        src.add_argument("--dataset", default="cifar10", help="dataset of computed params/flops (default: cifar10)")
        src.add_argument("--n-candidates", type=int, default=100, help="random cells to compare (default: 100)")
        parser.add_argument("--ui", choices=["web", "terminal"], default="web", help="where to ask (default: web)")
        parser.add_argument("--mode", choices=["random", "active"], default="active",
                            help="random pairs (as Kulbach and Thoma) or the pair the ranker is least sure about "
                                 "(default: active)")
        parser.add_argument("--seed", type=int, default=0, help="pair and candidate sampling seed (default: 0)")
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to serve on (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
        parser.add_argument("--no-browser", action="store_true", help="only print the page's URL")
        parser.add_argument("--max-judgments", type=int, default=None,
                            help="stop after this many new judgments (terminal; the page stops with Ctrl+C)")
        parser.add_argument("--judgments", type=Path, default=None, help="journal path (default: RUN_DIR/judgments.jsonl)")
        parser.add_argument("--ranker", type=Path, default=None, help="ranker path (default: RUN_DIR/ranker.json)")
        parser.add_argument("--top", type=int, default=10, help="candidates to list by learned score at the end")

    def build_session(self, args):
        from nas_tasks.preference.session import PreferenceSession, pool_from_run

        if args.table is not None:
            from nas_tasks.nb201.table_task import NB201TableTask
            from nas_tasks.preference.candidates import CandidatePool

            if not args.objectives:
                raise InvalidInputError("--table needs --objectives, e.g. cifar10_test_acc,latency_ms_raspi4,params,flops")
            task = NB201TableTask(args.table, args.objectives, dataset=args.dataset)
            pool = CandidatePool.from_task(task, args.n_candidates, seed=args.seed)
        else:
            pool = pool_from_run(args.run_dir)
        journal = args.judgments or args.run_dir / "judgments.jsonl"
        ranker = args.ranker or args.run_dir / "ranker.json"
        return PreferenceSession(pool, journal, mode=args.mode, ranker_path=ranker, seed=args.seed,
                                 predictions=_predictions_for(args))

    def run(self, args) -> int:
        session = self.build_session(args)
        print(f"{len(session.pool)} candidates, metrics {list(session.pool.metric_names)}; "
              f"{session.n_judgments} judgments so far in {session.journal.path}")
        if args.ui == "terminal":
            from nas_tasks.preference.prompt import run_prompt

            run_prompt(session, max_judgments=args.max_judgments)
        else:
            from nas_tasks.preference.server import PreferenceServer

            server = PreferenceServer(session, host=args.host, port=args.port)
            print(f"open {server.url}\n(the link carries this session's token; Ctrl+C stops)", flush=True)
            if not args.no_browser:
                import webbrowser

                webbrowser.open(server.url)
            _stop_on_sigterm()
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                print()
            finally:
                server.httpd.server_close()
        self.report(session, args.top)
        return 0

    @staticmethod
    def report(session, top: int) -> None:
        print(f"{session.n_judgments} judgments in {session.journal.path}")
        if session.ranker is None:
            return
        if session.ranker_path is not None:
            print(f"ranker saved to {session.ranker_path}")
        import pandas as pd

        with pd.option_context("display.width", 140, "display.max_columns", 20):
            print(f"\ntop {top} candidates by learned score:")
            print(session.ranking(top).to_string(float_format=lambda v: f"{v:.4g}"))


def _stop_on_sigterm() -> None:
    """Let ``kill PID`` end the page like Ctrl+C (the summary is printed, nothing is lost)."""
    import signal
    import threading

    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _predictions_for(args):
    """Sample predictions for candidates of a trained-cell run (None for any other run)."""
    if args.table is not None:
        return None
    from nas_tasks.preference.predictions import predictions_for_run

    return predictions_for_run(args.run_dir)


COMMAND = PreferCommand()


def main(argv: list[str] | None = None) -> int:
    from lamoo.cli import run_command_module

    return run_command_module(COMMAND, "python -m nas_tasks.preference.command", argv)


if __name__ == "__main__":
    sys.exit(main())
