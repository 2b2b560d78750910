"""``lamoo dashboard RUN_DIR [RUN_DIR ...]``: serve the dashboard of running or finished runs.

:data:`COMMAND` is the ``lamoo.commands`` entry point (``HELP``, ``add_arguments``, ``run``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lamoo.checks import check_number


class DashboardCommand:
    HELP = ("a local web page that follows runs as their journals grow: hypervolume traces, the Pareto front, "
            "LaMOO's partition tree and regions")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR",
                            help="run folders written by 'lamoo optimize' (or journal files); several are overlaid")
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to serve on (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between the page's checks for new "
                                                                    "journal lines (default: 1)")
        parser.add_argument("--no-browser", action="store_true", help="only print the page's URL")

    def run(self, args) -> int:
        from lamoo.dashboard import serve

        check_number(args.poll, "--poll", low=0.1)
        server = serve(args.run_dirs, host=args.host, port=args.port, poll_seconds=args.poll)
        print(f"lamoo dashboard of {len(server.runs)} run(s): {server.url}\n(Ctrl+C stops it)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
        finally:
            server.httpd.server_close()
        return 0


COMMAND = DashboardCommand()
