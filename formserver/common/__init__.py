"""Plain helpers every layer uses: normalising what people type, and Swedish time."""
