"""The summary: templates say what to look for, the local LLM proposes, the code checks\nevery quote against the transcript."""
