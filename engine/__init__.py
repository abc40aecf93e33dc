"""kinerja engine: the domain and the runtime of the ASN performance cycle.

Knows nothing of Flask or Prefect. Every behaviour is a use case, a module function of one
shape, ``verb(kinerja, actor, ...)``: it authorises the actor (:func:`engine.access.authorise`),
works in one unit of work, and moves a process through one step pipeline
(:mod:`engine.step`). docs/ARCHITECTURE.md lists them by subject.
"""
