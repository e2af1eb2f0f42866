"""The vantage6 4.x server, nodes and algorithm runtime, simulated in memory."""
