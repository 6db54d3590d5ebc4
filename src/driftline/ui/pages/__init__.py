"""The dashboard's pages: one module per page, each with ``ROUTES`` (its pages and JSON twins)."""
