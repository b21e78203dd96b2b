"""The HTTP face: the JSON API, the judge's and chief judge's pages, health."""
