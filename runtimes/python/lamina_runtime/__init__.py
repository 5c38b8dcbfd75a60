"""Lamina's Python runtime: runs a function's handler against the Lambda Runtime API.

Stdlib only, CPython 3.6-3.13. Entered through ../bootstrap.py; `main.main()` wires the parts.
"""
