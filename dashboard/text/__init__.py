"""UI text (Simplified Chinese), one module per area."""
