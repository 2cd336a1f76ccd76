"""Machine-readable output formats, one module per consumer: ``lsp`` (editor diagnostics),
``sarif`` (code scanning), ``github`` (workflow annotations). The terminal formats and JSON
live in ``bytelint/output.py``, which dispatches to these. Nothing here runs a lint."""
