"""The stages a recording goes through, in order: decode, transcribe and diarize (side by side),
attribute words to speakers, name the speakers (from the user, enrolled voices, introductions).
Each module that caches its result says what that result depends on (`settings(cfg)`)."""
