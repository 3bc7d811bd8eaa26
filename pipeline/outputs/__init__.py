"""What a run leaves on disk: the output formats, the report page, and how files are written."""
