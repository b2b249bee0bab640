"""Engines that run parts of the build: the per-article quick check and the distributed build.

- ``kg.engines.quickcheck``: the SHACL shapes compiled to SPARQL and run with pyoxigraph
  on each batch of article graphs (the build's per-article check; ``kg validate`` stays
  full pyshacl).
- ``kg.engines.dask``: the build spread over a Dask cluster (``kg build --engine dask``):
  workers extract, then emit, check and write per-article N-Quads shards
  (``kg.engines.shards``) that the store bulk-loads; resolution stays in the client.
"""
