"""Green-channel pathways: a small engine of timed steps owned by roles, and the pathways built on it."""
