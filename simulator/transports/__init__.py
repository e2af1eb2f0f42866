"""Ways into a network: requests and httpx interception, and server mode on loopback."""
