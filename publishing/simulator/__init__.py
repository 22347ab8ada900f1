"""A local stand-in for the platforms' HTTP APIs, for the demo and the tests; never in production."""
