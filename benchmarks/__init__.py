"""Stand-alone benchmark scripts (timing, NAS-Bench-201 look-ups, training cost, the XNAS trend), run from
the repository root: ``python -m benchmarks.overhead``. Not installed; the grid harness is
:mod:`lamoo.bench` (``lamoo bench``, ``lamoo bench-report``)."""
