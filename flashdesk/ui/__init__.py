"""The flashdesk window (PySide6). Nothing outside this package imports Qt;
everything here talks to the core through ``flashdesk.collection.Collection``."""
