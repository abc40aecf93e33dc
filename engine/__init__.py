"""kinerja engine: the domain and the runtime of the ASN performance cycle.

Knows nothing of Flask or Prefect: the web app and the flows call the service layer
(:mod:`engine.services`), which runs every step in one unit of work.
"""
