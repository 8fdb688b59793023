"""`ledger report`: a static website of the ledger (SPEC 12).

The site is built from the records a `Ledger` gives (or its public view) and
the counts `Ledger.count` makes, so its figures are `ledger summary`'s.  It
loads nothing from any other host: the stylesheet, the script and the map are
in the folder it is written to.
"""
