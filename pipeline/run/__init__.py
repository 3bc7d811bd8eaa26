"""Running recordings through the stages: models loaded once, progress, the stage cache, and
`process.py`, one recording's steps in order."""
