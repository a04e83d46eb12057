"""Renderers turn a planned `Course` (or a `Regimen`) into text; they never compute a dose."""
