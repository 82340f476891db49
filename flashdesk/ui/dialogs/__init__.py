"""The window's dialogs. Modal questions sit behind an ``ask()`` classmethod
that tests replace; information is shown without blocking (``open()``)."""
