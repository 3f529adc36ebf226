"""The ``jarvis`` command (``jarvis.cli.main``): the one part of ``jarvis`` above both programs,
so the only part that imports ``assistant`` and ``cloud``."""
