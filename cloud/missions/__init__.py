"""Missions: work handed to an edge worker, from plan to result, with leases, cancel and routing."""
