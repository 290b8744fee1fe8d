"""Batch I/O: read inputs into records (``inputs``), classify chunks of them here, in worker
processes or on Dask (``run``, ``parallel``), render results (``output``) and write ``-o FILE``
safely (``outfile``)."""
