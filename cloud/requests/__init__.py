"""Requests from edges, the hot path: planned, carried out and answered in shared batches."""
