"""The watch folder: recordings that land in a folder are processed exactly once, with job state\nin SQLite beside the outputs."""
