"""Documents: case papers rendered from plain data to PDF/A, stored once, verifiable by anyone.

models (Document), data (what a paper shows, per type), render (HTML -> PDF behind a fetcher that
only knows odr/static), operations (issue, supersede), tasks (the background seam), views
(download for the case, public /verify). docs/documents.md describes the whole path.
"""
