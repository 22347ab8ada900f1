"""Read queries of this app, filtered by what the reader may see (see STYLE.md)."""
