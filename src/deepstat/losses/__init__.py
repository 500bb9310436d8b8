"""Placeholder package; filled by a later issue (see DESIGN.md)."""

__all__: list[str] = []
