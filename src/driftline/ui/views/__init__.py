"""What the dashboard's pages show, as typed queries over the workspace (no web framework here)."""
