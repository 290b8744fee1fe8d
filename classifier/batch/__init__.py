"""Batch I/O: read inputs into records (``inputs``), classify chunks of them here, in worker
processes or on Dask (``run``, ``parallel``), render results (``output``), check and lock ``-o FILE``
before the run (``outcheck``, ``outlock``) and write it safely (``outfile``)."""
