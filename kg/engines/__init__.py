"""Engines that run parts of the build: the per-article quick check and distributed extraction.

- ``kg.engines.quickcheck``: the SHACL shapes compiled to SPARQL and run with pyoxigraph
  on each batch of article graphs (the build's per-article check; ``kg validate`` stays
  full pyshacl).
- ``kg.engines.dask``: extraction spread over a Dask cluster (``kg build --engine dask``).
"""
