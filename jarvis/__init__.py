"""The process shell shared by the edge and the cloud: settings, traced logging, the CLI."""
