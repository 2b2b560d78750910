"""``lamoo dashboard RUN_DIR [RUN_DIR ...]``: a local web page that follows running studies.

It reads each run's journal (and reads it again as it grows: the page updates without a reload)
and shows the hypervolume traces of all runs overlaid (normalized), the Pareto front with each
point's configuration (an NAS-Bench-201 cell is drawn, its arch string one click away), and what
only LaMOO has: the partition tree before any batch (node sizes, hypervolumes, UCBs, the selected
path, the region searched), the region each batch came from, how region share, depth and
relaxations change over the run, and for 2-D spaces the SVM boundaries over the space.

The trees are rebuilt from the journal with the run's LaMOO settings (:mod:`lamoo.dashboard.trees`);
the page is a static HTML/JavaScript file over JSON (:mod:`lamoo.dashboard.server`), drawn with
plotly.js from the installed ``plotly`` package (``pip install 'lamoo[dashboard]'``).

    from lamoo.dashboard import serve
    server = serve(["runs/a", "runs/b"]).start()   # server.url; server.stop()
"""
from __future__ import annotations


def serve(run_dirs, *, host: str = "127.0.0.1", port: int = 0, poll_seconds: float = 1.0):
    """A :class:`~lamoo.dashboard.server.DashboardServer` for the runs in ``run_dirs`` (run
    folders or journal files), not yet started."""
    from lamoo.dashboard.runs import WatchedRun
    from lamoo.dashboard.server import DashboardServer

    names = [str(p).rstrip("/").split("/")[-1] for p in run_dirs]
    runs = [WatchedRun(p, name=name if names.count(name) == 1 else f"{name} ({i})")
            for i, (p, name) in enumerate(zip(run_dirs, names))]
    return DashboardServer(runs, host=host, port=port, poll_seconds=poll_seconds)


__all__ = ["serve"]
