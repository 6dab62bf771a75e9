"""Reads of `audiences` (house style: selectors). One module per part: `audiences.py`, ..."""
