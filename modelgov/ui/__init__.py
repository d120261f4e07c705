"""The read-only web dashboard and JSON API over the index (``modelgov ui``)."""
