"""Cross-cutting web concerns shared by every blueprint: headers, error pages."""
