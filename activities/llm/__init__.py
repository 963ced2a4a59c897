"""Talking to an OpenAI-compatible model (any server that speaks the chat completions API)."""
