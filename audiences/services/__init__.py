"""Writes of `audiences` (house style: services). One module per part: `audiences.py`, ..."""
