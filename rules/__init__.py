"""Rules of bytelint: one module per slow pattern, discovered automatically."""
