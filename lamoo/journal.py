"""Journal files: one JSON-lines file per run, shared safely by every process working on the run.

The records are described in :mod:`lamoo.records`; this module reads and writes the file.

**Durability.** Every append is written and ``fsync``'ed before it returns, and nothing is ever
rewritten in place. A journal is created whole (its header is written to a temporary file that
is then linked into place), so it never exists half made. An ask is journaled *before* its
points are evaluated, so a run killed at any moment loses no paid evaluation that was told:

- killed mid-write (SIGKILL, power loss): a cut-off last line is removed by the next writer (a
  RuntimeWarning says so) and readers skip it; a last record that is whole but lacks its
  newline is kept, and the newline is written before the next record;
- a full disk or another write error: the partial write is undone before the error
  (:class:`~lamoo.exceptions.JournalError`) is raised, and the study's state is unchanged;
- the points of an ask that were not told (the in-flight batch) stay *pending*; the next ask of
  a resumed study returns exactly those points (see :class:`lamoo.Study`), so the run goes on
  as if it had never stopped.

**Several processes on one journal.** Any number of :class:`lamoo.Study` objects, in one or
several processes, may ask and tell on one journal (``Study.load`` in each, or ``lamoo optimize
--out RUN --resume`` several times). Each ask and tell holds an exclusive lock on ``PATH.lock``
while it reads what the others appended, then appends its own records, so:

- record numbers and ask numbers are unique and in file order, and the journal is always the
  union of what every worker told;
- no point is proposed twice: the points other workers asked and have not told yet are known
  (pending) when a sampler proposes, and are never proposed again;
- a worker that dies leaves its pending points to the others: each worker holds a lock on its
  own file ``PATH.workers/ID`` while it lives (released by the kernel when the process dies, even
  by SIGKILL); the next ask of another worker, or of a resumed study, claims the dead worker's
  points (a ``claim`` record) and returns them, so they are evaluated exactly once more;
- proposals are made while holding the lock (they are serialized); evaluations run in parallel;
- points may be told in any order and grouping, one at a time as they finish or many at once:
  each completes the ask it came from, whichever process asked it. An executor that keeps many
  points in flight (one ask per free worker, a tell per finished point) fits the same model.

The locks are POSIX ``flock`` locks. They are reliable on local disks. On NFS, Linux emulates
``flock`` with ``fcntl`` byte-range locks, which work between hosts when the server supports
locking (NFSv4, or NFSv3 with ``lockd``); a client that loses its lease may lose its locks, so
keep a journal on a local disk when you can, and on NFS run one study per process. On platforms
without ``fcntl`` (Windows), a journal has one writer at a time and other processes' pending
points are taken over as if their workers had died.
"""
from __future__ import annotations

import json
import os
import threading
import uuid
import warnings
import weakref
from contextlib import contextmanager
from pathlib import Path

from lamoo.exceptions import JournalError
from lamoo.records import FORMAT, check_record, dumps, parse_header, parse_lines, parse_tail
from lamoo.runlog import RunLog

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

_REGISTRY = threading.Lock()
_THREAD_LOCKS: dict[str, threading.RLock] = {}  # one per journal: threads and studies of this process
_LOCAL_WORKERS: set[str] = set()  # workers of this process that are alive


def _write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _thread_lock(path: Path) -> threading.RLock:
    with _REGISTRY:
        return _THREAD_LOCKS.setdefault(os.path.realpath(path), threading.RLock())


def read_values(path, fmt: str = FORMAT) -> tuple[dict, list[tuple[str, object]]]:
    """``(header, [(where, value), ...])`` of the journal at ``path``, read without locking or
    changing it: a cut-off last line (a writer is busy, or died mid-write) is skipped. ``fmt``:
    see :meth:`JournalFile.open`."""
    path = Path(path)
    if not path.is_file():
        raise JournalError(f"journal file not found: {path}" if not path.exists() else
                           f"{path} is not a journal file (it is a folder)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JournalError(f"cannot read the journal {path}: {exc.strerror}") from None
    first, sep, rest = data.partition(b"\n")
    header = parse_header(first, path, fmt)
    values, _, tail = parse_lines(rest, path, 1) if sep else ([], 0, b"")
    values += parse_tail(tail, path, 1 + rest.count(b"\n") + 1) or []
    return header, values


def read_run(path) -> RunLog:
    """The :class:`~lamoo.runlog.RunLog` of the journal at ``path`` (every record checked)."""
    header, values = read_values(path)
    log = RunLog(header)
    for where, value in values:
        log.apply(check_record(value, where, log.n_dims, log.n_objectives), where)
    return log


def read_journal(path) -> tuple[dict, list[dict]]:
    """``(header, evaluation records)`` of the journal at ``path``, in the order told; each
    evaluation record carries its ask's sampler report under ``"proposal"``."""
    log = read_run(path)
    header, values = read_values(path)
    evals = [dict(v) for _, v in values if v.get("type") == "eval"]
    for r in evals:
        r.setdefault("proposal", log.proposal(r["batch"]))
    return header, evals


class JournalFile:
    """A journal open for writing by one study (see the module docstring for the model).

    Make one with :meth:`create` or :meth:`open`; :meth:`join` starts the study's worker lease.
    Reads and appends happen inside :meth:`locked`.
    """

    def __init__(self, path: Path, header: dict, offset: int, needs_newline: bool = False, fmt: str = FORMAT):
        self.path = Path(path)
        self.fmt = fmt
        self.header = header
        self.worker: str | None = None
        self._offset, self._lines, self._needs_newline = offset, 1, needs_newline
        self._thread_lock = _thread_lock(self.path)
        self._depth = 0
        self._dead: set[str] = set()
        self._workers = self.path.with_name(self.path.name + ".workers")
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JournalError(f"cannot open the lock file {lock_path}: {exc.strerror}") from None
        self._fds = {"lock": self._lock_fd}
        self._finalizer = weakref.finalize(self, _close, self._fds, None)

    # ------------------------------------------------------------------ making and opening
    @classmethod
    def create(cls, path, header: dict, fmt: str = FORMAT) -> "JournalFile":
        """A new journal at ``path`` holding ``header``, created whole; :class:`JournalError` if
        ``path`` holds anything already, or cannot be created. ``fmt``: see :meth:`open`."""
        path = Path(path)
        _refuse_existing(path)
        data = (dumps(header) + "\n").encode()
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            if not _link_new(tmp, path):
                _refuse_existing(path)
            _fsync_dir(path.parent)
        except OSError as exc:
            raise JournalError(f"cannot create the journal {path}: {exc.strerror or exc}"
                               + (f" ({exc.filename})" if exc.filename else "")) from None
        finally:
            tmp.unlink(missing_ok=True)
        return cls(path, json.loads(data), len(data), fmt=fmt)

    @classmethod
    def open(cls, path, fmt: str = FORMAT) -> "JournalFile":
        """The existing journal at ``path``, positioned after its header. ``fmt`` is the header's
        format name: a run journal by default; other append-only logs (the preference judgments)
        use the same durability and locking under their own name, so one is never read as the other."""
        path = Path(path)
        if not path.is_file():
            raise JournalError(f"journal file not found: {path}" if not path.exists() else
                               f"{path} is not a journal file (it is a folder)")
        with open(path, "rb") as fh:
            first = fh.readline()
        return cls(path, parse_header(first, path, fmt), len(first), needs_newline=not first.endswith(b"\n"), fmt=fmt)

    # ------------------------------------------------------------------ locking, reading, appending
    @contextmanager
    def locked(self):
        """Hold the journal's lock (re-entrant) against every other study, in any process."""
        with self._thread_lock:
            if self._depth == 0 and fcntl is not None:
                try:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
                except OSError as exc:
                    raise JournalError(f"cannot lock {self.path}.lock: {exc.strerror}: sharing a journal needs "
                                       f"POSIX file locks (a local disk, or NFS with locking)") from None
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and fcntl is not None:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def read_new(self) -> list[tuple[str, object]]:
        """The values appended since the last read (by other studies), with where they were
        read. Under the lock: an unfinished last line was left by a writer that died; it is
        removed (kept, when it is a whole record that lacks only its newline)."""
        if self._depth == 0:
            raise RuntimeError("JournalFile.read_new must be called inside locked()")
        try:
            with open(self.path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                fh.seek(self._offset)
                data = fh.read()
        except OSError as exc:
            raise JournalError(f"cannot read the journal {self.path}: {exc.strerror or exc}") from None
        if size < self._offset:
            raise JournalError(f"the journal {self.path} is shorter ({size} bytes) than this study has read "
                               f"({self._offset} bytes): something other than lamoo cut or replaced it")
        if self._needs_newline and data.startswith(b"\n"):
            data, self._offset, self._needs_newline = data[1:], self._offset + 1, False
        values, consumed, tail = parse_lines(data, self.path, self._lines)
        self._offset += consumed
        self._lines += data[:consumed].count(b"\n")
        if tail:
            whole = parse_tail(tail, self.path, self._lines + 1)
            if whole is None:
                self._truncate_tail(len(tail))
            else:
                values += whole
                self._offset, self._lines, self._needs_newline = self._offset + len(tail), self._lines + 1, True
        return values

    def _truncate_tail(self, size: int) -> None:
        warnings.warn(f"{self.path}: a truncated last line ({size} bytes, left by a writer that died mid-write) was "
                      f"removed; every whole record before it is kept", RuntimeWarning, stacklevel=5)
        try:
            with open(self.path, "r+b") as fh:
                fh.truncate(self._offset)
                os.fsync(fh.fileno())
        except OSError as exc:
            raise JournalError(f"cannot remove the cut-off last line of {self.path}: {exc.strerror or exc}") from None

    def append(self, records: list[dict]) -> list[str]:
        """Append ``records`` (inside :meth:`locked`, after :meth:`read_new`) and make them
        durable; returns where each was written. A failed write is undone before the error."""
        if self._depth == 0:
            raise RuntimeError("JournalFile.append must be called inside locked()")
        data = ("\n" if self._needs_newline else "") + "".join(dumps(r) + "\n" for r in records)
        data = data.encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as exc:
            raise JournalError(f"cannot write to the journal {self.path}: {exc.strerror or exc}") from None
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError as exc:
            raise JournalError(f"cannot write to the journal {self.path}: {exc.strerror or exc}; "
                               f"{self._undo(fd)}") from None
        finally:
            os.close(fd)
        first = self._lines + 1
        self._offset += len(data)
        self._lines += len(records)
        self._needs_newline = False
        return [f"{self.path}: line {first + k}" for k in range(len(records))]

    def _undo(self, fd: int) -> str:
        try:
            os.ftruncate(fd, self._offset)
            os.fsync(fd)
            return "nothing of this write was kept, and nothing was told"
        except OSError:
            return "its partial line will be removed by the next writer"

    # ------------------------------------------------------------------ workers
    def join(self, worker: str) -> None:
        """Start this study's lease as ``worker``: a lock held on ``PATH.workers/WORKER`` for as
        long as the study is open; forget the leases of dead workers. Inside :meth:`locked`, so
        that no other study judges the lease before it is held."""
        if self._depth == 0:
            raise RuntimeError("JournalFile.join must be called inside locked()")
        try:
            self._workers.mkdir(exist_ok=True)
            for entry in os.listdir(self._workers):
                if entry not in _LOCAL_WORKERS and not self.is_alive(entry):
                    (self._workers / entry).unlink(missing_ok=True)
            fd = os.open(self._workers / worker, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JournalError(f"cannot register with {self._workers}: {exc.strerror}") from None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._fds["lease"], self.worker = fd, worker
        with _REGISTRY:
            _LOCAL_WORKERS.add(worker)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _close, self._fds, (self._workers / worker, worker))

    def is_alive(self, worker: str) -> bool:
        """Whether ``worker`` still holds its lease (a worker of this process, or of another
        one whose lease lock is held)."""
        if worker in _LOCAL_WORKERS:
            return True
        if worker in self._dead or fcntl is None:
            return False
        try:
            fd = os.open(self._workers / worker, os.O_RDONLY)
        except FileNotFoundError:
            self._dead.add(worker)
            return False
        except OSError:
            return True  # cannot tell (another user's file): never take its points
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        self._dead.add(worker)
        return False

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        """End the lease (the study's pending points become free for others) and close the files."""
        self._finalizer()


def _close(fds: dict, lease) -> None:
    if lease is not None:
        path, worker = lease
        path.unlink(missing_ok=True)
        with _REGISTRY:
            _LOCAL_WORKERS.discard(worker)
    for key in list(fds):
        os.close(fds.pop(key))


def _refuse_existing(path: Path) -> None:
    if path.is_dir():
        raise JournalError(f"cannot create the journal {path}: it is a folder")
    if path.exists() and path.stat().st_size > 0:
        raise JournalError(f"journal {path} already exists: resume that run (Study.load, or lamoo optimize --out "
                           f"FOLDER --resume) or choose another path")


def _link_new(tmp: Path, path: Path) -> bool:
    """Put the finished file ``tmp`` at ``path`` unless something is there already (an empty file
    is replaced); False if something is. File systems without hard links get an exclusive create."""
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        if path.stat().st_size > 0:
            return False
        os.replace(tmp, path)
        return True
    except OSError:
        pass
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        _write_all(fd, tmp.read_bytes())
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
