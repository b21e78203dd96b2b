"""contest: skills-competition scoring and live leaderboard server."""

__version__ = "0.1.0"
