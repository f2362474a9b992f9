"""bench: the lab's measurement machinery, used by the commands in scripts/ and benchmarks/, never by a notebook.

The sweep runner and its cache (``bench.sweeps``), the ablation ladder (``bench.improved``, ``bench.ladder``), trained
members on disk (``bench.ensemble``), run records and generated tables (``bench.records``), and the machine a result
was measured on (``bench.machine``). ``bench`` imports ``lab_utils``; ``lab_utils`` never imports ``bench``.
"""
