"""bytelint: a performance linter whose every finding is confirmed on CPython bytecode."""

__version__ = "0.1.0"
