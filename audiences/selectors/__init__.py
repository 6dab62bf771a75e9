"""Reads of `audiences` (house style: selectors). One module per part: `audiences.py`, ...

- `profiles`: look-ups, search, keyset paging and the profile representation (API and pages)
"""
