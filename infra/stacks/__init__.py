"""One stack per lifecycle: stateful storage apart from compute, so compute can be replaced."""
