"""The terminal view of a judging session: two candidates side by side, one keypress per answer.

``a`` prefers A, ``b`` prefers B, ``n`` means no preference, ``q`` (or end of input) stops. Every
answer is journaled before the next question is shown, exactly as on the web page.
"""
from __future__ import annotations

import sys

from lamoo.exceptions import InvalidInputError

ANSWERS = {"a": "a", "b": "b", "n": "none", "none": "none", "q": None, "quit": None}


def _fmt(value: float) -> str:
    a = abs(value)
    return f"{value:.0f}" if a >= 1000 else f"{value:.1f}" if a >= 100 else f"{value:.2f}" if a >= 1 else f"{value:.3g}"


def _front(candidate: dict) -> str:
    rank = candidate["pareto_rank"]
    return "on the Pareto front" if rank == 0 else f"front {rank + 1} (dominated)"


def _predictions(candidate: dict) -> str:
    shown = candidate.get("predictions")
    if not shown:
        return "none cached" if "predictions_error" in candidate else "-"
    right = sum(p["predicted"] == p["label"] for p in shown)
    return f"{right}/{len(shown)} right"


def format_pair(state: dict, width: int = 34) -> str:
    """The current pair of a session ``state`` as a text table."""
    a, b = state["pair"]["a"], state["pair"]["b"]
    rows = [("", f"A: candidate {a['id']}", f"B: candidate {b['id']}")]
    if "cell" in a:
        for k in range(0, 6, 3):
            edges = ("1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2")[k:k + 3]
            rows.append(("cell " + " ".join(edges) if k == 0 else "     " + " ".join(edges),
                         " ".join(op.replace("nor_", "").replace("_connect", "") for op in a["cell"][k:k + 3]),
                         " ".join(op.replace("nor_", "").replace("_connect", "") for op in b["cell"][k:k + 3])))
    else:
        rows.append(("point", a["label"], b["label"]))
    for ma, mb in zip(a["metrics"], b["metrics"]):
        arrow = "higher better" if ma["direction"] == "maximize" else "lower better"
        unit = f" {ma['unit']}" if ma["unit"] else ""
        rows.append((f"{ma['name']} ({arrow})", _fmt(ma["value"]) + unit, _fmt(mb["value"]) + unit))
    rows.append(("Pareto position", _front(a), _front(b)))
    if any(k in c for c in (a, b) for k in ("predictions", "predictions_error")):
        rows.append(("sample predictions", _predictions(a), _predictions(b)))
    if "learned_score" in a:
        rows.append(("learned score so far", f"{a['learned_score']:.2f}", f"{b['learned_score']:.2f}"))
    first = max(len(r[0]) for r in rows) + 2
    return "\n".join(f"{r[0]:<{first}}{r[1]:<{width}}{r[2]}" for r in rows)


def run_prompt(session, *, stdin=None, stdout=None, max_judgments: int | None = None) -> int:
    """Ask ``session``'s pairs on the terminal until the user quits, the input ends, every pair
    is judged or ``max_judgments`` new judgments are recorded; returns how many were recorded."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    recorded = 0
    while max_judgments is None or recorded < max_judgments:
        state = session.state()
        if state["pair"] is None:
            print("Every pair has been compared.", file=stdout)
            break
        print(f"\nComparison {state['n_judgments'] + 1} ({state['mode']} pairs; {state['n_judgments']} saved)",
              file=stdout)
        print(format_pair(state), file=stdout)
        while True:
            print("Which do you prefer? [a] A  [b] B  [n] no preference  [q] quit: ", end="", file=stdout, flush=True)
            line = stdin.readline()
            if not line:  # end of input
                print(file=stdout)
                return recorded
            answer = line.strip().lower()
            if answer in ANSWERS:
                break
            print(f"  please answer a, b, n or q (got {line.strip()!r})", file=stdout)
        choice = ANSWERS[answer]
        if choice is None:
            return recorded
        try:
            session.judge(state["pair"]["a"]["id"], state["pair"]["b"]["id"], choice, source="terminal")
        except InvalidInputError as exc:  # e.g. the web page judged this pair meanwhile
            print(f"  not saved: {exc}", file=stdout)
            continue
        recorded += 1
    return recorded


__all__ = ["format_pair", "run_prompt"]
