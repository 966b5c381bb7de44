"""CivicWatch core: the city's registry, problem detection, the case workflow and its indicators.

This package is the core. It imports neither ``feeds`` nor ``dashboard``; both depend on it.
"""
