"""Folio's benchmark (`make bench`): see run.py for the order of things."""
