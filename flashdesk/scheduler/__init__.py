"""Schedulers: pure functions of a card's state and an answer (no I/O, no clock)."""
