"""The authorization matrix over every route, and the audit completeness walk (issue #9, parts 1 and 3)."""
