"""The process shell below the edge and the cloud (settings, traced logging, the data dir, ports,
HTTP guards), and the CLI above both in ``jarvis.cli``."""
